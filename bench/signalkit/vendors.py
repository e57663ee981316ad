"""Two hundred fictional vendors on one local HTTP server (127.0.0.1), in the shapes
vendors serve: a Statuspage ``/api/v2/summary.json`` (half of them), an RSS 2.0 or an
Atom status feed (a quarter each), every one with an ETag and Last-Modified and a 304 to
a matching conditional GET, as a real status page's CDN answers.

Some answer badly on purpose, so that the benchmark shows they cost the others nothing:
a few after longer than Herald's fetch timeout (they fail), a few just under it (they
succeed, slowly), a few with HTTP 500. Vendor 0 is healthy until ``flip()``, which turns
its "API" component to degraded performance with an open incident: the moment Herald
should notice. Every request is recorded (when, which vendor, what was answered).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

COUNT = 200
FLIP = 0  # the vendor that degrades during the run
FETCH_TIMEOUT = 10.0  # Herald's (app/signals/polling.py)
SLOW_OVER = FETCH_TIMEOUT + 2  # never answers in time: a failing source
SLOW_NEAR = FETCH_TIMEOUT - 2  # answers in time, slowly: must be polled like the others
STATUSPAGE_COMPONENTS = ("API", "Dashboard", "Webhooks")


def behaviour(index: int) -> str:
    """healthy | slow_over | slow_near | failing (5 of each kind of trouble)."""
    if index == FLIP:
        return "healthy"
    return {7: "slow_over", 17: "slow_near", 27: "failing"}.get(index % 40, "healthy")


def kind_of(index: int) -> str:
    """statuspage (half) | rss | atom (a quarter each)."""
    return ("statuspage", "statuspage", "rss", "atom")[index % 4]


def path_of(index: int) -> str:
    return {
        "statuspage": f"/v{index:03d}/api/v2/summary.json",
        "rss": f"/v{index:03d}/history.rss",
        "atom": f"/v{index:03d}/history.atom",
    }[kind_of(index)]


def herald_kind(index: int) -> str:
    return "statuspage" if kind_of(index) == "statuspage" else "feed"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def statuspage(index: int, updated: datetime, degraded: bool) -> bytes:
    """A summary.json as Statuspage serves it (the members Herald reads and the usual
    others); ``degraded``: "API" degraded with an open incident about it."""
    page_id = f"bench{index:04d}"
    stamp = _iso(updated)
    components = [
        {
            "id": f"{page_id}c{n}",
            "name": name,
            "status": "degraded_performance" if degraded and name == "API" else "operational",
            "created_at": "2025-01-01T00:00:00.000Z",
            "updated_at": stamp,
            "position": n,
            "description": None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": page_id,
            "group": False,
            "only_show_if_degraded": False,
        }
        for n, name in enumerate(STATUSPAGE_COMPONENTS, start=1)
    ]
    incidents = []
    if degraded:
        incidents.append(
            {
                "id": f"{page_id}i1",
                "name": "Elevated API error rates",
                "status": "investigating",
                "created_at": stamp,
                "updated_at": stamp,
                "monitoring_at": None,
                "resolved_at": None,
                "impact": "minor",
                "shortlink": f"https://stspg.example/{page_id}i1",
                "started_at": stamp,
                "page_id": page_id,
                "incident_updates": [
                    {
                        "id": f"{page_id}u1",
                        "status": "investigating",
                        "body": "We are investigating elevated error rates on API requests.",
                        "incident_id": f"{page_id}i1",
                        "created_at": stamp,
                        "updated_at": stamp,
                        "display_at": stamp,
                        "affected_components": [],
                        "deliver_notifications": True,
                    }
                ],
                "components": [c for c in components if c["name"] == "API"],
            }
        )
    return json.dumps(
        {
            "page": {
                "id": page_id,
                "name": f"Vendor {index:03d}",
                "url": f"https://status.vendor{index:03d}.example",
                "time_zone": "Etc/UTC",
                "updated_at": stamp,
            },
            "status": {
                "indicator": "minor" if degraded else "none",
                "description": "Minor Service Outage" if degraded else "All Systems Operational",
            },
            "components": components,
            "incidents": incidents,
            "scheduled_maintenances": [],
        }
    ).encode()


# A past incident, resolved: the feed says the vendor is operational.
_PAST = [
    ("[Resolved] Delayed webhook deliveries", "This incident has been resolved.", 2),
    ("[Monitoring] Delayed webhook deliveries", "A fix has been applied.", 1),
    ("[Investigating] Delayed webhook deliveries", "We see delays of up to 5 minutes.", 0),
]


def rss(index: int, updated: datetime) -> bytes:
    items = "".join(
        f"""
    <item>
      <title>{escape(title)}</title>
      <description>{escape(text)}</description>
      <link>https://status.vendor{index:03d}.example/incidents/past1</link>
      <guid isPermaLink="false">vendor{index:03d}-past1-{step}</guid>
      <pubDate>Mon, 07 Dec 2026 0{step + 6}:00:00 GMT</pubDate>
    </item>"""
        for title, text, step in _PAST
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Vendor {index:03d} status</title>
    <link>https://status.vendor{index:03d}.example</link>
    <description>Incident history of Vendor {index:03d}</description>
    <lastBuildDate>{format_datetime(updated, usegmt=True)}</lastBuildDate>{items}
  </channel>
</rss>""".encode()


def atom(index: int, updated: datetime) -> bytes:
    entries = "".join(
        f"""
  <entry>
    <id>tag:status.vendor{index:03d}.example,2026:past1-{step}</id>
    <title>{escape(title)}</title>
    <link rel="alternate" type="text/html" href="https://status.vendor{index:03d}.example/incidents/past1"/>
    <updated>2026-12-07T0{step + 6}:00:00Z</updated>
    <content type="html">{escape("<p>" + text + "</p>")}</content>
  </entry>"""
        for title, text, step in _PAST
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>tag:status.vendor{index:03d}.example,2026:/history</id>
  <title>Vendor {index:03d} status</title>
  <link rel="alternate" type="text/html" href="https://status.vendor{index:03d}.example"/>
  <updated>{updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}</updated>{entries}
</feed>""".encode()


@dataclass(frozen=True)
class Served:
    at: float  # time.time() when the answer was sent
    index: int
    status: int


class FakeVendors:
    """``with FakeVendors() as vendors: vendors.url(i)``; ``vendors.flip()``."""

    def __init__(self) -> None:
        started = datetime.now(UTC).replace(microsecond=0)
        self._documents = {i: self._document(i, started, False) for i in range(COUNT)}
        self._by_path = {path_of(i): i for i in range(COUNT)}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.served: list[Served] = []
        self.flipped_at: float | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                index = fake._by_path.get(self.path)
                if index is None:
                    return self._send(404, b"not found", {})
                mode = behaviour(index)
                if mode in ("slow_over", "slow_near"):
                    fake._stop.wait(SLOW_OVER if mode == "slow_over" else SLOW_NEAR)
                if mode == "failing":
                    return self._send(500, b"upstream unavailable", {}, index)
                with fake._lock:
                    body, etag, modified, content_type = fake._documents[index]
                headers = {"ETag": etag, "Last-Modified": modified, "Content-Type": content_type}
                if self.headers.get("If-None-Match") == etag or (
                    not self.headers.get("If-None-Match")
                    and self.headers.get("If-Modified-Since") == modified
                ):
                    return self._send(304, b"", headers, index)
                return self._send(200, body, headers, index)

            def _send(self, status, body, headers, index=None):
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the poller gave up on a slow answer
                    return
                if index is not None:
                    with fake._lock:
                        fake.served.append(Served(time.time(), index, status))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @staticmethod
    def _document(index: int, updated: datetime, degraded: bool) -> tuple[bytes, str, str, str]:
        kind = kind_of(index)
        if kind == "statuspage":
            body, content_type = statuspage(index, updated, degraded), "application/json"
        elif kind == "rss":
            body, content_type = rss(index, updated), "application/rss+xml"
        else:
            body, content_type = atom(index, updated), "application/atom+xml"
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        return body, etag, format_datetime(updated, usegmt=True), content_type

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.port}{path_of(index)}"

    def flip(self) -> float:
        """Vendor 0's API degrades now (a new document, a new ETag); returns the moment."""
        document = self._document(FLIP, datetime.now(UTC).replace(microsecond=0), True)
        with self._lock:
            self._documents[FLIP] = document
            self.flipped_at = time.time()
        return self.flipped_at

    def answers(self, index: int) -> list[Served]:
        with self._lock:
            return [s for s in self.served if s.index == index]

    def all_answers(self) -> list[Served]:
        with self._lock:
            return list(self.served)

    def __enter__(self) -> FakeVendors:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
