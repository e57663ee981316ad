"""RSS 2.0 and Atom feeds of incidents and maintenance: valid, complete, escaped, filtered
by component, cached, and linked from the public pages."""

from __future__ import annotations

import calendar
import gzip
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from app.public import feeds
from app.status.components import add_dependency
from core.db import db

PUBLIC_URL = "https://status.example.com"
FEEDS = {"rss": "/history.rss", "atom": "/history.atom"}
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
ATOM_NS = "{http://www.w3.org/2005/Atom}"


def whole_seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def parsed_time(struct) -> datetime:
    """A feedparser time (a UTC struct_time) as an aware datetime."""
    return datetime.fromtimestamp(calendar.timegm(struct), UTC)


def fetch(client, url: str, kind: str) -> feedparser.FeedParserDict:
    """GET a feed, check it is well-formed XML of the right type, and parse it."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == CONTENT_TYPES[kind]
    ET.fromstring(response.data)  # strictly well-formed, not just what feedparser forgives
    parsed = feedparser.parse(response.data)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    return parsed


def entry_html(entry) -> str:
    """The HTML of an item (RSS description) or an entry (Atom content)."""
    if "content" in entry:
        return entry.content[0].value
    return entry.description


def by_title(parsed) -> dict:
    return {entry.title: entry for entry in parsed.entries}


def incident(component, name, hours_ago=2.0, visibility="public", resolve_after=None, body=None):
    start = utcnow() - timedelta(hours=hours_ago)
    found = declare_incident(
        None,
        name,
        "minor",
        {component: "partial_outage"},
        body=body or f"{name}: investigating.",
        started_at=start,
        visibility=visibility,
        reviewed=True,
    )
    if resolve_after is not None:
        post_incident_update(
            None, found, "resolved", f"{name}: resolved.", at=start + resolve_after, reviewed=True
        )
    return found


# The feeds' content ------------------------------------------------------------------------


def test_the_rss_feed_lists_incidents_with_their_updates_newest_first(client, make_component):
    api = make_component("API")
    outage = incident(api, "Elevated errors", hours_ago=3, resolve_after=timedelta(minutes=45))
    db.session.commit()
    parsed = fetch(client, "/history.rss", "rss")
    assert parsed.feed.title == "Herald Status – Incident History"
    assert parsed.feed.link == f"{PUBLIC_URL}/history"
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"{PUBLIC_URL}/history.rss"]
    (item,) = parsed.entries
    assert item.title == "Elevated errors"
    assert item.link == f"{PUBLIC_URL}/incidents/{outage.public_id}"
    assert item.id == item.link and item.guidislink is False  # a stable permalink guid
    assert parsed_time(item.published_parsed) == whole_seconds(outage.started_at)
    html = entry_html(item)
    assert html.index("Elevated errors: resolved.") < html.index("Elevated errors: investigating.")
    assert "Resolved" in html and "Investigating" in html and "Affects API" in html


def test_the_atom_feed_has_ids_links_and_published_and_updated_times(client, make_component):
    api = make_component("API")
    outage = incident(api, "Slow checkout", hours_ago=5, resolve_after=timedelta(hours=1))
    db.session.commit()
    parsed = fetch(client, "/history.atom", "atom")
    assert parsed.feed.title == "Herald Status – Incident History"
    assert parsed.feed.id == f"{PUBLIC_URL}/history.atom"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"alternate": f"{PUBLIC_URL}/history", "self": f"{PUBLIC_URL}/history.atom"}
    (entry,) = parsed.entries
    url = f"{PUBLIC_URL}/incidents/{outage.public_id}"
    assert entry.id == url and entry.link == url
    assert parsed_time(entry.published_parsed) == whole_seconds(outage.started_at)
    resolved_at = whole_seconds(outage.resolved_at)
    assert parsed_time(entry.updated_parsed) == resolved_at
    assert parsed_time(parsed.feed.updated_parsed) == resolved_at
    assert entry.content[0].type == "text/html"
    assert "Slow checkout: resolved." in entry.content[0].value


def test_the_rss_dates_are_rfc_822_and_the_atom_dates_rfc_3339(client, make_component):
    api = make_component("API")
    incident(api, "Dated", hours_ago=1)
    db.session.commit()
    rss = client.get("/history.rss").get_data(as_text=True)
    atom = client.get("/history.atom").get_data(as_text=True)
    rfc822 = r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"
    assert re.search(rf"<pubDate>{rfc822}</pubDate>", rss)
    assert re.search(rf"<lastBuildDate>{rfc822}</lastBuildDate>", rss)
    rfc3339 = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"
    for tag in ("updated", "published"):
        assert re.search(rf"<{tag}>{rfc3339}</{tag}>", atom)


@pytest.mark.parametrize("kind", FEEDS)
def test_maintenance_windows_are_in_the_feeds_past_and_upcoming(client, make_component, kind):
    db_component = make_component("Database")
    start = utcnow() - timedelta(days=2)
    done = schedule_maintenance(
        None,
        "Kernel patching",
        start,
        start + timedelta(hours=1),
        [db_component],
        body="Patching the kernel.",
        allow_past=True,
    )
    soon = utcnow() + timedelta(days=3)
    upcoming = schedule_maintenance(
        None,
        "Storage upgrade",
        soon,
        soon + timedelta(hours=2),
        [db_component],
        body="Upgrading storage.",
    )
    db.session.commit()
    entries = by_title(fetch(client, FEEDS[kind], kind))
    assert set(entries) == {"Kernel patching", "Storage upgrade"}
    assert entries["Kernel patching"].link == f"{PUBLIC_URL}/maintenance/{done.public_id}"
    assert entries["Storage upgrade"].link == f"{PUBLIC_URL}/maintenance/{upcoming.public_id}"
    assert "Upgrading storage." in entry_html(entries["Storage upgrade"])
    assert "Scheduled maintenance" in entry_html(entries["Storage upgrade"])
    assert "Patching the kernel." in entry_html(entries["Kernel patching"])


@pytest.mark.parametrize("kind", FEEDS)
def test_the_most_recently_announced_event_comes_first(client, make_component, kind):
    api = make_component("API")
    incident(api, "Oldest", hours_ago=30)
    incident(api, "Newest", hours_ago=1)
    incident(api, "Middle", hours_ago=10)
    db.session.commit()
    parsed = fetch(client, FEEDS[kind], kind)
    assert [e.title for e in parsed.entries] == ["Newest", "Middle", "Oldest"]


def test_a_feed_holds_at_most_the_limit_of_events(client, make_component, monkeypatch):
    monkeypatch.setattr(feeds, "FEED_LIMIT", 2)
    api = make_component("API")
    for hours in (1, 2, 3):
        incident(api, f"Incident {hours}", hours_ago=hours)
    db.session.commit()
    parsed = fetch(client, "/history.rss", "rss")
    assert [e.title for e in parsed.entries] == ["Incident 1", "Incident 2"]


@pytest.mark.parametrize("kind", FEEDS)
def test_internal_incidents_maintenance_and_components_never_appear(client, make_component, kind):
    api = make_component("API")
    secret = make_component("Billing ledger", visibility="internal")
    incident(api, "Staff only outage", visibility="internal")
    start = utcnow() + timedelta(days=1)
    schedule_maintenance(
        None,
        "Staff only window",
        start,
        start + timedelta(hours=1),
        [api],
        body="Internal work.",
        visibility="internal",
    )
    shared = declare_incident(
        None,
        "Public outage",
        "major",
        {api: "major_outage", secret: "major_outage"},
        body="Investigating.",
        reviewed=True,
    )
    db.session.commit()
    response = client.get(FEEDS[kind])
    text = response.get_data(as_text=True)
    assert "Staff only" not in text and "Internal work" not in text
    assert "Billing ledger" not in text  # an internal component is never named
    entries = by_title(fetch(client, FEEDS[kind], kind))
    assert list(entries) == ["Public outage"]
    assert entries["Public outage"].link.endswith(shared.public_id)


@pytest.mark.parametrize("kind", FEEDS)
def test_a_feed_with_nothing_in_it_is_still_valid(client, kind):
    parsed = fetch(client, FEEDS[kind], kind)
    assert parsed.entries == []
    assert parsed.feed.title == "Herald Status – Incident History"


def test_the_feed_title_comes_from_the_page_name(app, client):
    app.config["PAGE_NAME"] = "Acme & Sons Status"
    for kind, url in FEEDS.items():
        assert fetch(client, url, kind).feed.title == "Acme & Sons Status – Incident History"


# Escaping -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FEEDS)
def test_script_tags_and_ampersands_are_escaped_and_the_feed_stays_valid(
    client, make_component, kind
):
    api = make_component("Search & <Index>")
    incident(
        api,
        "Errors <script>alert(1)</script> & timeouts",
        body="We see <script>alert('x')</script> & **5xx** errors]]> in A&B\x0b.",
    )
    db.session.commit()
    raw = client.get(FEEDS[kind]).data
    assert b"<script" not in raw  # no markup in the XML itself
    assert b"&amp;lt;script&amp;gt;alert(" in raw  # the body's HTML holds it as text only
    (entry,) = fetch(client, FEEDS[kind], kind).entries
    assert entry.title == "Errors <script>alert(1)</script> & timeouts"
    html = entry_html(entry)
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; <strong>5xx</strong>" in html
    assert "in A&amp;B" in html
    assert "Affects Search &amp; &lt;Index&gt;" in html


# Filtering by component ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", FEEDS)
def test_the_component_filter_keeps_events_that_name_that_component(client, make_component, kind):
    api = make_component("API")
    web = make_component("Website")
    incident(api, "API errors", hours_ago=3)
    incident(web, "Website down", hours_ago=2)
    start = utcnow() + timedelta(days=1)
    schedule_maintenance(
        None, "API upgrade", start, start + timedelta(hours=1), [api], body="Upgrading."
    )
    db.session.commit()
    url = f"{FEEDS[kind]}?component={api.public_id}"
    parsed = fetch(client, url, kind)
    assert {e.title for e in parsed.entries} == {"API errors", "API upgrade"}
    assert parsed.feed.title == "Herald Status – API Incident History"
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"{PUBLIC_URL}{url}"]
    everything = fetch(client, FEEDS[kind], kind)  # cached apart from the filtered feed
    assert {e.title for e in everything.entries} == {"API errors", "Website down", "API upgrade"}


def test_the_component_filter_leaves_out_incidents_on_what_the_component_depends_on(
    client, make_component
):
    database = make_component("Database")
    api = make_component("API")
    add_dependency(None, api, database)
    incident(database, "Database failover")
    db.session.commit()
    parsed = fetch(client, f"/history.atom?component={api.public_id}", "atom")
    assert parsed.entries == []
    parsed = fetch(client, f"/history.atom?component={database.public_id}", "atom")
    assert [e.title for e in parsed.entries] == ["Database failover"]


@pytest.mark.parametrize("kind", FEEDS)
def test_an_unknown_or_internal_component_is_not_found_and_not_cached(
    app, client, make_component, kind
):
    secret = make_component("Billing ledger", visibility="internal")
    cache = app.extensions["herald_page_cache"]
    for public_id in ("nosuchid1234", secret.public_id, ""):
        response = client.get(f"{FEEDS[kind]}?component={public_id}")
        assert response.status_code == 404
        assert b"Billing ledger" not in response.data
    assert not [key for key in cache._entries if key.startswith("feed:")]
    assert not [key for key in cache._locks if key.startswith("feed:")]


# Caching ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FEEDS)
def test_a_repeat_request_with_the_etag_gets_304(client, make_component, kind):
    api = make_component("API")
    incident(api, "Cached")
    db.session.commit()
    first = client.get(FEEDS[kind])
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"] and "public" in first.headers["Cache-Control"]
    again = client.get(FEEDS[kind], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    url = f"{FEEDS[kind]}?component={api.public_id}"
    filtered = client.get(url)
    assert filtered.headers["ETag"] != etag
    assert client.get(url, headers={"If-None-Match": filtered.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("kind", FEEDS)
def test_a_feed_is_gzipped_when_the_reader_accepts_it(client, make_component, kind):
    api = make_component("API")
    incident(api, "Compressed")
    db.session.commit()
    plain = client.get(FEEDS[kind], headers={"Accept-Encoding": "identity"})
    zipped = client.get(FEEDS[kind], headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data


def test_a_feed_is_rendered_once_per_content_change(app, client, make_component):
    api = make_component("API")
    outage = incident(api, "Changing")
    db.session.commit()
    cache = app.extensions["herald_page_cache"]
    first = client.get("/history.rss")
    renders = cache.renders
    assert client.get("/history.rss").data == first.data
    assert cache.renders == renders
    post_incident_update(None, outage, "monitoring", "A fix is in place.", reviewed=True)
    db.session.commit()
    changed = client.get("/history.rss")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "A fix is in place." in entry_html(feedparser.parse(changed.data).entries[0])


# Links from the pages -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/history"])
def test_the_public_pages_link_to_both_feeds(client, make_component, url):
    make_component("API")
    html = client.get(url).get_data(as_text=True)
    head = html.split("</head>")[0]
    assert re.search(
        r'<link rel="alternate" type="application/rss\+xml"[^>]*href="/history.rss"', head
    )
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*href="/history.atom"', head
    )
    foot = html.split('<footer class="site-foot">')[1]
    assert 'href="/history.rss">RSS</a> / <a href="/history.atom">Atom</a>' in foot


def test_an_incident_page_links_to_the_feeds_too(client, make_component):
    api = make_component("API")
    outage = incident(api, "Linked")
    db.session.commit()
    html = client.get(f"/incidents/{outage.public_id}").get_data(as_text=True)
    assert 'type="application/rss+xml"' in html.split("</head>")[0]
