"""Real-shaped feeds where customers talk, written for these tests, and a small HTTP
server on 127.0.0.1 that serves them (with ETag and 304, and whatever else a test sets).

- ``mastodon_hashtag(items)``: an Atom document like a Mastodon instance's
  ``/tags/<tag>.rss``-style hashtag timeline, each item a toot with HTML content.
- ``forum_search(items)``: an RSS 2.0 document like a forum's search feed.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _toot(item: dict) -> str:
    return f"https://social.example.org/@{item.get('author', 'someone')}/{item['id']}"


def mastodon_hashtag(items: list[dict], tag: str = "acmestatus") -> bytes:
    """``items``: {"id", "text" (HTML), "author", "at" (datetime)}."""
    entries = "".join(
        f"""
  <entry>
    <id>{_toot(item)}</id>
    <title type="html">{escape(item.get("title", item["text"]))}</title>
    <link rel="alternate" type="text/html" href="{_toot(item)}"/>
    <published>{_iso(item["at"])}</published>
    <updated>{_iso(item["at"])}</updated>
    <author><name>{escape(item.get("author", "someone"))}</name></author>
    <content type="html">{escape(item["text"])}</content>
  </entry>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>https://social.example.org/tags/{tag}</id>
  <title>#{tag} on social.example.org</title>
  <updated>{_iso(datetime.now(UTC))}</updated>
  <link rel="self" href="https://social.example.org/tags/{tag}.atom"/>{entries}
</feed>
""".encode()


def forum_search(items: list[dict], query: str = "outage") -> bytes:
    """``items``: {"guid", "title", "body" (HTML), "at" (datetime), "link" (optional)}."""
    entries = "".join(
        f"""
    <item>
      <title>{escape(item["title"])}</title>
      <link>{escape(item.get("link", f"https://forum.example.net/t/{item['guid']}"))}</link>
      <guid isPermaLink="false">forum-{item["guid"]}</guid>
      <pubDate>{format_datetime(item["at"].astimezone(UTC), usegmt=True)}</pubDate>
      <description>{escape(item.get("body", ""))}</description>
    </item>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Search results for "{query}" - Example Forum</title>
    <link>https://forum.example.net/search?q={query}</link>
    <description>Topics matching {query}</description>{entries}
  </channel>
</rss>
""".encode()


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


class FeedServer:
    """Serves ``routes[path] = (status, body, headers)``; a 200 carries an ETag, and a
    request sending it back gets 304. ``requests`` counts what came in."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, dict]] = {}
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                status, body, headers = server.routes.get(self.path, (404, b"", {}))
                etag = f'"{abs(hash(body))}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, content_type: str = "") -> str:
        headers = {"Content-Type": content_type} if content_type else {}
        self.routes[path] = (status, body, headers)
        return self.url(path)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
