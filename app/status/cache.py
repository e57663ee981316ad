"""Rendered pages kept as bytes, with a gzip copy and an ETag, per content version.

A request that finds its entry stale renders it again while every other request for the
same entry keeps getting the previous bytes (no stampede). Each process checks the
committed page version at most every ``CACHE_CHECK_SECONDS``, so a change made anywhere
is served everywhere soon after, and a change made in this process at once.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from flask import current_app

from app.status.version import current_page_version


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    gzipped: bytes
    etag: str
    last_modified: str
    content_type: str
    version: int
    expires: float  # wall-clock seconds after which the content is rebuilt
    # Response headers prepared once per way of serving (see app.public.caching).
    prepared: dict = field(default_factory=dict)
    # Security headers in place of the site's (see ``Page.security``).
    security: tuple[tuple[str, str], ...] | None = None
    vary: str = "Accept-Encoding"


@dataclass(frozen=True, slots=True)
class Page:
    """What a render function returns."""

    body: bytes
    content_type: str
    last_modified: datetime
    valid_until: datetime
    # A page made to be framed by other sites (the embed) sends its own security headers
    # (a CSP with frame-ancestors) instead of the site's; HSTS is added as for any page.
    security: tuple[tuple[str, str], ...] | None = None
    # A page in the reader's language varies with the language cookie and
    # Accept-Language too (app.i18n): a CDN must keep one copy per language.
    vary: str = "Accept-Encoding"


class PageCache:
    def __init__(self) -> None:
        self._entries: dict[str, Rendered] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._version = -1
        self._checked_at = 0.0
        self._objects: dict[str, tuple[int, float, object]] = {}
        self.renders = 0  # how many times anything was rendered (for tests and benchmarks)
        self.builds = 0  # how many times a memoised object (a summary) was built

    def expire_check(self) -> None:
        """Make the next request read the committed version (after a local commit)."""
        self._checked_at = 0.0

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()
            self._objects.clear()
        self._checked_at = 0.0

    def peek(self, key: str, check_interval: float) -> Rendered | None:
        """The entry for ``key`` if it is fresh and no version check is due, without
        touching the database: the WSGI fast path serves it as is."""
        entry = self._entries.get(key)
        if (
            entry is None
            or entry.version != self._version
            or time.monotonic() - self._checked_at >= check_interval
            or time.time() >= entry.expires
        ):
            return None
        return entry

    def memo(self, key: str, build: Callable[[], object], expires: Callable[[object], float]):
        """An object built once per content version (the summary behind several pages):
        after a change, the page and the JSON endpoints share one build."""
        version = self._current_version()
        found = self._objects.get(key)
        if found is not None and found[0] == version and time.time() < found[1]:
            return found[2]
        with self._lock(f"memo:{key}"):
            found = self._objects.get(key)
            if found is not None and found[0] == version and time.time() < found[1]:
                return found[2]
            value = build()
            self.builds += 1
            self._objects[key] = (version, expires(value), value)
            return value

    def _current_version(self) -> int:
        interval = current_app.config["CACHE_CHECK_SECONDS"]
        now = time.monotonic()
        if now - self._checked_at >= interval or self._version < 0:
            self._version = current_page_version()
            self._checked_at = now
        return self._version

    def _lock(self, key: str) -> threading.Lock:
        lock = self._locks.get(key)
        if lock is None:
            with self._guard:
                lock = self._locks.setdefault(key, threading.Lock())
        return lock

    def get(self, key: str, render: Callable[[], Page]) -> Rendered:
        """The fresh entry for ``key``, rendering it if needed (once, not per request)."""
        version = self._current_version()
        entry = self._entries.get(key)
        if entry is not None and entry.version == version and time.time() < entry.expires:
            return entry
        lock = self._lock(key)
        # With stale bytes in hand, don't queue behind the renderer: serve them.
        if not lock.acquire(blocking=entry is None):
            return entry  # type: ignore[return-value]
        try:
            latest = self._entries.get(key)
            if latest is not None and latest.version == version and time.time() < latest.expires:
                return latest
            try:
                page = render()
            except Exception:
                # A key that never rendered (a 404 for a made-up address) keeps no lock, so
                # requests for random URLs cannot grow memory without bound.
                if key not in self._entries:
                    with self._guard:
                        self._locks.pop(key, None)
                raise
            self.renders += 1
            digest = hashlib.blake2b(page.body, digest_size=10).hexdigest()
            modified = page.last_modified
            if latest is not None and latest.etag != f'"{digest}"':
                # The bytes changed: if only with time (the uptime bars' new day, "ongoing
                # for …"), the data's date would still be the old one, and a client asking
                # If-Modified-Since would keep the old page.
                modified = max(modified, datetime.now(UTC))
            fresh = Rendered(
                body=page.body,
                gzipped=gzip.compress(page.body, compresslevel=6, mtime=0),
                etag=f'"{digest}"',
                last_modified=format_datetime(modified, usegmt=True),
                content_type=page.content_type,
                version=version,
                expires=page.valid_until.timestamp(),
                security=page.security,
                vary=page.vary,
            )
            self._entries[key] = fresh
            return fresh
        finally:
            lock.release()


def page_cache() -> PageCache:
    return current_app.extensions["herald_page_cache"]
