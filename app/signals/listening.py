"""What customers are saying: listening feeds (any RSS/Atom where people talk) and the
items that match their keywords.

The worker polls each feed like a vendor source (``poll_listening_feeds`` → polling's
``poll_due``); ``handle`` reads a fetched document with feedparser, keeps each new item
that names a keyword as a ``Mention`` (plain text only: titles and summaries are stripped
of markup, so nothing a stranger wrote is ever rendered as HTML), and, when a feed's
mentions in the last 15 minutes exceed its threshold while no incident is open, proposes
an incident. Nothing here reaches customers: a suggestion waits for staff.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import feedparser
from flask import current_app
from sqlalchemy import func, select

from app.models import (
    Component,
    Incident,
    ListeningFeed,
    Mention,
    SuggestedIncident,
)
from app.models.signals import DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS
from app.models.signals import LISTENING_MAX_NAME as MAX_NAME
from app.models.signals import LISTENING_MAX_POLL_SECONDS as MAX_POLL_SECONDS
from app.models.signals import LISTENING_MAX_THRESHOLD as MAX_THRESHOLD
from app.signals.polling import poll_due
from app.signals.suggestions import suggest
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.time import utcnow

SURGE_WINDOW = timedelta(minutes=15)
BUCKET = timedelta(minutes=15)
CHART_BUCKETS = 24  # six hours of 15-minute bars
MAX_URL = 2048
MAX_KEYWORDS = 50
MAX_KEYWORD = 200
MAX_TITLE = 500
MAX_TEXT = 5_000  # of an item's summary, read for keywords and never kept
MAX_GUID = 512
MAX_ITEMS = 500  # per document: a feed is a window of recent items, not an archive
FACT_TITLES = 5


# Feeds -----------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Give the feed a name.", "name")
    if len(name) > MAX_NAME:
        raise ServiceError(f"A name has at most {MAX_NAME} characters.", "name")
    return name


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ServiceError("Give the feed's address (an RSS or Atom URL).", "url")
    if len(url) > MAX_URL:
        raise ServiceError(f"An address has at most {MAX_URL} characters.", "url")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ServiceError("An address cannot contain spaces or control characters.", "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ServiceError("That is not a valid address.", "url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError("The address must start with https:// or http://.", "url")
    return url


def _clean_keywords(keywords: str) -> str:
    lines = [" ".join(line.split()) for line in (keywords or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_KEYWORDS:
        raise ServiceError(f"At most {MAX_KEYWORDS} keywords, one per line.", "keywords")
    for line in lines:
        if len(line) > MAX_KEYWORD:
            raise ServiceError(f"A keyword has at most {MAX_KEYWORD} characters.", "keywords")
    return "\n".join(dict.fromkeys(lines))


def _clean_int(value, field: str, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(f"{what} must be a whole number.", field)
    if not low <= value <= high:
        raise ServiceError(f"{what} must be between {low:,} and {high:,}.", field)
    return value


def _name_taken(name: str, feed: ListeningFeed | None) -> bool:
    found = db.session.scalar(
        select(ListeningFeed.id).where(func.lower(ListeningFeed.name) == name.lower())
    )
    return found is not None and (feed is None or found != feed.id)


def create_feed(
    actor,
    name: str,
    url: str,
    keywords: str = "",
    poll_seconds: int = DEFAULT_POLL_SECONDS,
    alert_threshold: int = 10,
    enabled: bool = True,
) -> ListeningFeed:
    """Add a feed; the worker polls it on its next tick. Every value is checked before
    anything is written, so a refused feed leaves nothing behind."""
    name = _clean_name(name)
    values = {
        "url": _clean_url(url),
        "keywords": _clean_keywords(keywords),
        "poll_seconds": _clean_int(
            poll_seconds, "poll_seconds", MIN_POLL_SECONDS, MAX_POLL_SECONDS, "The interval"
        ),
        "alert_threshold": _clean_int(
            alert_threshold, "alert_threshold", 1, MAX_THRESHOLD, "The threshold"
        ),
        "enabled": bool(enabled),
    }
    if _name_taken(name, None):
        raise Conflict(f"There is already a listening feed called {name!r}.", "name")
    now = utcnow()
    feed = ListeningFeed(name=name, poll_state="new", next_poll_at=now, created_at=now, **values)
    db.session.add(feed)
    db.session.flush()
    audit.record(actor, "listening.create", feed, f"Added listening feed {name}")
    return feed


UPDATABLE = ("name", "url", "keywords", "poll_seconds", "alert_threshold", "enabled")


def update_feed(actor, feed: ListeningFeed, **changes) -> ListeningFeed:
    """Change a feed. A new address starts afresh: no conditional-GET validators from the
    old one, polled on the next tick."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ServiceError(f"Unknown field {sorted(unknown)[0]!r}.", sorted(unknown)[0])
    values = {}
    if "name" in changes:
        values["name"] = _clean_name(changes["name"])
        if _name_taken(values["name"], feed):
            raise Conflict(f"There is already a listening feed called {values['name']!r}.", "name")
    if "url" in changes:
        values["url"] = _clean_url(changes["url"])
    if "keywords" in changes:
        values["keywords"] = _clean_keywords(changes["keywords"])
    if "poll_seconds" in changes:
        values["poll_seconds"] = _clean_int(
            changes["poll_seconds"],
            "poll_seconds",
            MIN_POLL_SECONDS,
            MAX_POLL_SECONDS,
            "The interval",
        )
    if "alert_threshold" in changes:
        values["alert_threshold"] = _clean_int(
            changes["alert_threshold"], "alert_threshold", 1, MAX_THRESHOLD, "The threshold"
        )
    if "enabled" in changes:
        values["enabled"] = bool(changes["enabled"])
    changed = {k: v for k, v in values.items() if getattr(feed, k) != v}
    if "url" in changed:
        feed.etag, feed.last_modified = "", ""
        feed.poll_state, feed.failures, feed.last_error = "new", 0, ""
        feed.next_poll_at = utcnow()
    for key, value in changed.items():
        setattr(feed, key, value)
    if changed:
        db.session.flush()
        audit.record(
            actor,
            "listening.update",
            feed,
            f"Changed listening feed {feed.name}",
            changes={k: str(v) for k, v in changed.items()},
        )
    return feed


def delete_feed(actor, feed: ListeningFeed) -> None:
    """Remove a feed and its mentions (a suggestion it made stays for staff to decide)."""
    name = feed.name
    db.session.execute(Mention.__table__.delete().where(Mention.feed_id == feed.id))
    audit.record(actor, "listening.delete", feed, f"Deleted listening feed {name}")
    db.session.delete(feed)
    db.session.flush()


def all_feeds() -> list[ListeningFeed]:
    return list(db.session.scalars(select(ListeningFeed).order_by(ListeningFeed.name)))


def is_stale(feed: ListeningFeed) -> bool:
    return feed.poll_state == "stale"


# Reading a feed --------------------------------------------------------------------------


class _TextOnly(HTMLParser):
    """Markup to the text a reader would see; script and style contents dropped."""

    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in ("br", "p", "div", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def plain_text(value: str, limit: int) -> str:
    """``value`` (which may be HTML) as one line of plain text of at most ``limit``
    characters."""
    value = (value or "")[: limit * 4]
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    text = html.unescape("".join(parser.parts))
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _safe_link(value: str) -> str:
    """Only web addresses are kept: a ``javascript:`` link from a stranger is dropped."""
    value = (value or "").strip()
    if len(value) > MAX_URL or any(ch.isspace() for ch in value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.hostname else ""


def _published(entry, now: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
            return min(moment, now)  # a clock in the future does not make a surge later
    return now


def _guid(entry, title: str) -> str:
    guid = (entry.get("id") or entry.get("guid") or entry.get("link") or "").strip()
    if not guid or len(guid) > MAX_GUID:
        seed = guid or f"{title}|{entry.get('published', '')}|{entry.get('updated', '')}"
        guid = "sha256:" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()
    return guid


def parse(body: bytes) -> feedparser.FeedParserDict:
    """The document as feedparser reads it; anything that is not an RSS or Atom feed is a
    ValueError naming why (the poller marks the feed failing with it)."""
    if not body or not body.strip():
        raise ValueError("The feed answered with an empty document.")
    document = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    if not document.get("version"):
        reason = document.get("bozo_exception")
        detail = f": {str(reason)[:200]}" if reason else ""
        raise ValueError(f"Not an RSS or Atom feed{detail}.")
    if document.get("bozo") and not document.entries:
        raise ValueError(f"Malformed feed: {str(document.get('bozo_exception'))[:200]}.")
    return document


@dataclass(frozen=True)
class Keyword:
    text: str
    component_id: int | None
    pattern: re.Pattern


def _pattern(keyword: str) -> re.Pattern:
    words = r"\s+".join(re.escape(word) for word in keyword.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def keywords_for(feed: ListeningFeed) -> list[Keyword]:
    """The feed's keywords, or by default the page name and every component's name; a
    keyword that is a component's name points at that component. Component names come
    first, so an item naming both the page and a component counts for the component."""
    by_name = {
        name.lower(): cid
        for cid, name in db.session.execute(select(Component.id, Component.name)).all()
    }
    lines = [line for line in (feed.keywords or "").splitlines() if line.strip()]
    if not lines:
        names = db.session.scalars(select(Component.name).order_by(Component.position)).all()
        lines = [*names, current_app.config["PAGE_NAME"]]
    found = [Keyword(line, by_name.get(line.lower()), _pattern(line)) for line in lines]
    return sorted(found, key=lambda k: k.component_id is None)


def match(keywords: list[Keyword], text: str) -> Keyword | None:
    for keyword in keywords:
        if keyword.pattern.search(text):
            return keyword
    return None


def handle(feed: ListeningFeed, fetched) -> int:
    """Keep the new items of a fetched document that name a keyword; returns how many.
    A document that is not a feed raises ValueError (the feed is marked failing)."""
    document = parse(fetched.body)
    now = utcnow()
    keywords = keywords_for(feed)
    items = []
    for entry in document.entries[:MAX_ITEMS]:
        title = plain_text(entry.get("title", ""), MAX_TITLE)
        summary = plain_text(
            entry.get("summary", "") or _content(entry), MAX_TEXT
        )  # read for keywords only
        found = match(keywords, f"{title}\n{summary}")
        if found is None:
            continue
        items.append((_guid(entry, title), title or summary[:MAX_TITLE], entry, found))
    if not items:
        return 0
    known = set(
        db.session.scalars(
            select(Mention.guid).where(
                Mention.feed_id == feed.id, Mention.guid.in_([guid for guid, *_ in items])
            )
        )
    )
    stored = 0
    for guid, title, entry, keyword in items:
        if guid in known:
            continue
        known.add(guid)
        db.session.add(
            Mention(
                feed_id=feed.id,
                guid=guid,
                title=title,
                link=_safe_link(entry.get("link", "")),
                published_at=_published(entry, now),
                seen_at=now,
                keyword=keyword.text[:MAX_KEYWORD],
                component_id=keyword.component_id,
            )
        )
        stored += 1
    if stored:
        db.session.flush()
        check_surge(feed, now)
    return stored


def _content(entry) -> str:
    content = entry.get("content") or []
    return content[0].get("value", "") if content else ""


def poll_listening_feeds() -> int:
    """The periodic job: poll the listening feeds that are due. A tick stays short: at
    most 16 feeds, fetched 8 at a time with an 8-second deadline each (the rest wait for
    the next tick)."""
    return poll_due(ListeningFeed, handle, batch=16, threads=8, timeout=8.0)


# Surges ----------------------------------------------------------------------------------


def open_incident_exists() -> bool:
    return (
        db.session.scalar(select(Incident.id).where(Incident.status != "resolved").limit(1))
        is not None
    )


def bucket_of(moment: datetime) -> int:
    return int(moment.timestamp() // BUCKET.total_seconds())


def check_surge(feed: ListeningFeed, now: datetime | None = None) -> SuggestedIncident | None:
    """Propose an incident when the feed's mentions in the last 15 minutes exceed its
    threshold and no incident is open. One proposal per surge: while the feed's last
    proposal is open, a continuing surge adds to its facts instead of proposing again."""
    now = now or utcnow()
    recent = db.session.scalars(
        select(Mention)
        .where(Mention.feed_id == feed.id, Mention.published_at > now - SURGE_WINDOW)
        .order_by(Mention.published_at.desc(), Mention.id.desc())
    ).all()
    if len(recent) <= feed.alert_threshold or open_incident_exists():
        return None
    counts = Counter(m.component_id for m in recent if m.component_id is not None)
    component = db.session.get(Component, counts.most_common(1)[0][0]) if counts else None
    subject = component.name if component else current_app.config["PAGE_NAME"]
    prefix = f"listening:{feed.id}:"
    existing = db.session.scalar(
        select(SuggestedIncident).where(
            SuggestedIncident.key.startswith(prefix, autoescape=True),
            SuggestedIncident.state == "open",
        )
    )
    key = existing.key if existing else f"{prefix}{bucket_of(now)}"
    titles = [m.title for m in recent[:FACT_TITLES] if m.title]
    facts = (
        f"{len(recent)} mentions in {feed.name} in the last 15 minutes "
        f"(threshold {feed.alert_threshold}). Latest:\n" + "\n".join(f"- {t}" for t in titles)
    )
    return suggest(
        "listening",
        key,
        name=f"Customers are reporting problems with {subject}",
        impact="minor",
        component_statuses={component.id: "degraded_performance"} if component else {},
        facts=facts,
        link=recent[0].link,
    )


# Reading mentions ------------------------------------------------------------------------


@dataclass(frozen=True)
class MentionRow:
    title: str
    link: str
    source: str
    published_at: datetime
    component: str


def latest_mentions(limit: int = 10, since: datetime | None = None) -> list[MentionRow]:
    query = (
        select(Mention, ListeningFeed.name, Component.name)
        .join(ListeningFeed, ListeningFeed.id == Mention.feed_id)
        .outerjoin(Component, Component.id == Mention.component_id)
        .order_by(Mention.published_at.desc(), Mention.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Mention.published_at >= since)
    return [
        MentionRow(m.title, m.link, source, m.published_at, component or "")
        for m, source, component in db.session.execute(query).all()
    ]


def counts_per_bucket(now: datetime | None = None, buckets: int = CHART_BUCKETS) -> list[int]:
    """Mentions per 15 minutes, oldest first, the last bucket ending now."""
    now = now or utcnow()
    start = now - BUCKET * buckets
    times = db.session.scalars(
        select(Mention.published_at).where(Mention.published_at > start)
    ).all()
    counts = [0] * buckets
    for moment in times:
        index = int((moment - start) / BUCKET)
        counts[min(max(index, 0), buckets - 1)] += 1
    return counts


def rising(now: datetime | None = None) -> bool:
    """Mentions are rising: the last 15 minutes hold more than any feed's threshold, or at
    least 3 and more than twice the mean of the six hours before."""
    counts = counts_per_bucket(now)
    last, before = counts[-1], counts[:-1]
    if last == 0:
        return False
    lowest = db.session.scalar(
        select(func.min(ListeningFeed.alert_threshold)).where(ListeningFeed.enabled.is_(True))
    )
    if lowest is not None and last > lowest:
        return True
    return last >= 3 and last > 2 * (sum(before) / len(before))
