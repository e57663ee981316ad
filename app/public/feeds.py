"""RSS 2.0 and Atom feeds of incidents and maintenance.

``/history.rss`` and ``/history.atom`` list the latest public incidents and maintenance
windows, one item per event with its updates (newest first) as HTML. ``?component=<id>``
narrows a feed to the events that name that public component directly (not those on a
component it depends on). Both feeds come from the same read model as the pages and are
served through the page cache: rendered once per content version, with ETag, 304 and gzip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from flask import abort, current_app, render_template, request

from app.models import Component, utcnow
from app.public import bp
from app.public.caching import serve
from app.status.cache import Page
from app.status.maintenance_state import maintenance_clock
from app.status.reads import FeedEvent, feed_events, page_updated_at, visible_component

FEED_LIMIT = 50
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
# A feed with nothing time-dependent in it is still rebuilt at least this often.
FEED_MAX_AGE = timedelta(hours=1)
# Characters XML 1.0 forbids even when escaped (control characters and the like).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` as a plain string XML can hold; the templates escape it."""
    return _NOT_XML.sub("", str(value))


def rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FeedItem:
    title: str
    url: str
    kind: str
    html: str  # the entry's HTML as text; escaped once more when written into the XML
    published: datetime
    updated: datetime

    @property
    def published_rfc822(self) -> str:
        return rfc822(self.published)

    @property
    def published_rfc3339(self) -> str:
        return rfc3339(self.published)

    @property
    def updated_rfc3339(self) -> str:
        return rfc3339(self.updated)


@dataclass
class Feed:
    title: str
    description: str
    home_url: str
    self_url: str
    author: str
    updated: datetime
    items: list[FeedItem]

    @property
    def updated_rfc822(self) -> str:
        return rfc822(self.updated)

    @property
    def updated_rfc3339(self) -> str:
        return rfc3339(self.updated)


def feed_item(event: FeedEvent, public_url: str) -> FeedItem:
    entry = event.entry
    html = render_template("feeds/entry.html", e=entry)
    return FeedItem(
        title=xml_text(entry.name),
        url=f"{public_url}{entry.url}",
        kind=entry.kind,
        html=xml_text(html),
        published=event.published,
        updated=event.updated,
    )


def build_feed(path: str, component: Component | None) -> Feed:
    config = current_app.config
    public_url, page_name = config["PUBLIC_URL"], config["PAGE_NAME"]
    events = feed_events("public", FEED_LIMIT, component.id if component else None)
    items = [feed_item(event, public_url) for event in events]
    updated = max((item.updated for item in items), default=None)
    updated = updated or page_updated_at() or datetime(2000, 1, 1, tzinfo=UTC)
    if component is None:
        title = f"{page_name} – Incident History"
        description = f"Incidents and scheduled maintenance for {page_name}."
        self_url = f"{public_url}{path}"
    else:
        title = f"{page_name} – {component.name} Incident History"
        description = f"Incidents and scheduled maintenance affecting {component.name}."
        self_url = f"{public_url}{path}?component={component.public_id}"
    return Feed(
        title=xml_text(title),
        description=xml_text(description),
        home_url=f"{public_url}/history",
        self_url=self_url,
        author=xml_text(page_name),
        updated=updated,
        items=items,
    )


def render_feed(template: str, content_type: str, path: str, component: Component | None):
    # Windows that start or end by themselves change the feed (it shows them as the clock
    # has them): render again when the next one is due.
    now = utcnow()
    feed = build_feed(path, component)
    body = render_template(template, feed=feed).encode()
    valid_until = now + FEED_MAX_AGE
    boundary = maintenance_clock(now).next_boundary
    if boundary is not None:
        valid_until = min(valid_until, boundary)
    return Page(body, content_type, feed.updated, valid_until)


def requested_component() -> Component | None:
    """The ``?component=`` filter: None for all events; 404 for an id that is not a
    public component (so internal components stay hidden, and the cache only ever holds
    entries for components that exist)."""
    public_id = request.args.get("component")
    if public_id is None:
        return None
    component = visible_component("public", public_id)
    if component is None:
        abort(404)
    return component


def serve_feed(kind: str, template: str, content_type: str):
    component = requested_component()
    path = f"/history.{kind}"
    key = f"feed:{kind}:public:{component.public_id if component else '*'}"
    return serve(key, lambda: render_feed(template, content_type, path, component))


@bp.get("/history.rss")
def history_rss():
    return serve_feed("rss", "feeds/history.rss.xml", RSS_TYPE)


@bp.get("/history.atom")
def history_atom():
    return serve_feed("atom", "feeds/history.atom.xml", ATOM_TYPE)
