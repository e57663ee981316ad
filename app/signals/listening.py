"""Listening feeds (any RSS/Atom where people talk about the service): adding, changing
and removing them, each value checked before anything is written.

Reading a fetched feed into mentions is in ``listening_items``; proposing an incident
when mentions surge in ``listening_surges``; what the pages and the API read back in
``listening_mentions``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.models import ListeningFeed, Mention
from app.models.signals import DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS
from app.models.signals import LISTENING_MAX_NAME as MAX_NAME
from app.models.signals import LISTENING_MAX_POLL_SECONDS as MAX_POLL_SECONDS
from app.models.signals import LISTENING_MAX_THRESHOLD as MAX_THRESHOLD
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.time import utcnow

MAX_URL = 2048
MAX_KEYWORDS = 50
MAX_KEYWORD = 200


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
