"""Reading a listening feed: the worker's poll, and each new item that names a keyword
kept as a ``Mention``.

The worker polls each feed like a vendor source (``poll_listening_feeds`` → polling's
``poll_due``); ``handle`` reads a fetched document with feedparser, keeps each new item
that names a keyword as a ``Mention`` (plain text only: titles and summaries are stripped
of markup, so nothing a stranger wrote is ever rendered as HTML), then asks
``listening_surges`` whether the feed now surges.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import feedparser
from flask import current_app
from sqlalchemy import select

from app.models import Component, ListeningFeed, Mention
from app.signals.listening import MAX_KEYWORD, MAX_URL
from app.signals.listening_surges import check_surge
from app.signals.polling import poll_due
from core.db import db
from core.time import utcnow

MAX_TITLE = 500
MAX_TEXT = 5_000  # of an item's summary, read for keywords and never kept
MAX_GUID = 512
MAX_ITEMS = 500  # per document: a feed is a window of recent items, not an archive


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
