"""A fictional vendor's public status, written for these tests in the shapes vendors
serve, and a small HTTP server on 127.0.0.1 that serves it.

- ``statuspage_summary(...)``: a Statuspage ``/api/v2/summary.json``.
- ``rss_feed(entries)`` / ``atom_feed(entries)``: status feeds as hosted status pages
  and cloud providers publish them, with updates and resolutions.
- ``FakeVendor``: serves ``documents[path]`` with an ETag, answering 304 to a matching
  ``If-None-Match`` or ``If-Modified-Since``; ``mode[path]`` makes a path answer slowly,
  500, oversized or malformed. Every request's headers are recorded.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

PAGE_UPDATED = "2026-12-07T08:00:00.000Z"


def statuspage_summary(
    components: dict[str, str],
    incidents: list[dict] | None = None,
    *,
    name: str = "Acme Payments",
    updated_at: str = PAGE_UPDATED,
) -> bytes:
    """``components``: {name: status}; ``incidents``: {"id", "name", "status", "impact",
    "components": [names], "updates": [(status, body, created_at)]}."""
    page = {
        "id": "acmepay0001",
        "name": name,
        "url": "https://status.acmepay.example",
        "time_zone": "Etc/UTC",
        "updated_at": updated_at,
    }
    rows = [
        {
            "id": f"cmp{index:04d}",
            "name": component,
            "status": status,
            "created_at": "2025-01-01T00:00:00.000Z",
            "updated_at": updated_at,
            "position": index,
            "description": None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": page["id"],
            "group": False,
            "only_show_if_degraded": False,
        }
        for index, (component, status) in enumerate(components.items(), start=1)
    ]
    incident_rows = []
    for incident in incidents or []:
        updates = [
            {
                "id": f"upd{incident['id']}{n}",
                "status": status,
                "body": body,
                "incident_id": incident["id"],
                "created_at": at,
                "updated_at": at,
                "display_at": at,
                "affected_components": [],
                "deliver_notifications": True,
            }
            for n, (status, body, at) in enumerate(incident.get("updates", []))
        ]
        incident_rows.append(
            {
                "id": incident["id"],
                "name": incident["name"],
                "status": incident.get("status", "investigating"),
                "created_at": "2026-12-07T07:50:00.000Z",
                "updated_at": updated_at,
                "monitoring_at": None,
                "resolved_at": None,
                "impact": incident.get("impact", "minor"),
                "shortlink": f"https://stspg.example/{incident['id']}",
                "started_at": "2026-12-07T07:50:00.000Z",
                "page_id": page["id"],
                "incident_updates": list(reversed(updates)),  # newest first, as served
                "components": [
                    {"id": row["id"], "name": row["name"], "status": row["status"]}
                    for row in rows
                    if row["name"] in incident.get("components", [])
                ],
            }
        )
    indicator = "none" if not incident_rows else "minor"
    return json.dumps(
        {
            "page": page,
            "status": {"indicator": indicator, "description": "All Systems Operational"},
            "components": rows,
            "incidents": incident_rows,
            "scheduled_maintenances": [],
        }
    ).encode()


def rss_feed(entries: list[dict], title: str = "Nimbus Cloud Status") -> bytes:
    """``entries``: {"title", "description", "link", "guid", "date" (RFC 822)}."""
    items = "".join(
        f"""
    <item>
      <title>{escape(entry["title"])}</title>
      <description>{escape(entry.get("description", ""))}</description>
      <link>{escape(entry["link"])}</link>
      <guid isPermaLink="false">{escape(entry.get("guid", entry["link"] + entry["date"]))}</guid>
      <pubDate>{entry["date"]}</pubDate>
    </item>"""
        for entry in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>{escape(title)}</title>
    <link>https://status.nimbus.example</link>
    <description>Service health of Nimbus Cloud</description>
    {items}
  </channel>
</rss>""".encode()


def atom_feed(entries: list[dict], title: str = "Relay Mail Status") -> bytes:
    """``entries``: {"title", "content" (HTML), "link", "id", "updated" (ISO 8601)}."""
    items = "".join(
        f"""
  <entry>
    <id>{escape(entry["id"])}</id>
    <title>{escape(entry["title"])}</title>
    <link rel="alternate" type="text/html" href="{escape(entry["link"])}"/>
    <updated>{entry["updated"]}</updated>
    <content type="html">{escape(entry.get("content", ""))}</content>
  </entry>"""
        for entry in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>tag:status.relaymail.example,2026:/history</id>
  <title>{escape(title)}</title>
  <link rel="alternate" type="text/html" href="https://status.relaymail.example"/>
  <updated>2026-12-07T08:00:00Z</updated>
  {items}
</feed>""".encode()


class FakeVendor:
    """``with FakeVendor() as vendor: vendor.documents["/api/v2/summary.json"] = ...``."""

    def __init__(self):
        self.documents: dict[str, bytes] = {}
        self.mode: dict[str, tuple] = {}  # path -> ("slow", seconds) | ("status", n) | ...
        self.requests: list[dict] = []
        self.last_modified = "Mon, 07 Dec 2026 08:00:00 GMT"
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path
                with fake._lock:
                    fake.requests.append({"path": path, "headers": dict(self.headers.items())})
                mode = fake.mode.get(path)
                if mode and mode[0] == "slow":
                    time.sleep(mode[1])
                if mode and mode[0] == "status":
                    return self._send(mode[1], b"oops", {})
                body = fake.documents.get(path)
                if body is None:
                    return self._send(404, b"not found", {})
                if mode and mode[0] == "oversized":
                    body = b" " * (mode[1]) + body
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                headers = {"ETag": etag, "Last-Modified": fake.last_modified}
                if self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-Modified-Since") == fake.last_modified
                    and not self.headers.get("If-None-Match")
                ):
                    return self._send(304, b"", headers)
                return self._send(200, body, headers)

            def _send(self, status, body, headers):
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeVendor:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def hits(self, path: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]
