"""Polling the sources that Herald reads on a schedule (vendor status pages, listening
feeds): every due row is claimed, fetched, handed to its parser, and scheduled again.

- **One poll per source at a time**, on any number of workers: a row is taken with a
  conditional UPDATE of ``claimed_until`` (only one UPDATE can win it) and committed
  before the network is touched, so a second worker skips it until the claim runs out.
- **Network in threads, database in the caller.** Fetches run concurrently in a small
  pool; parsing and every write happen in the calling thread, in the job's session.
- **On the worker's polling thread, a round never waits for the network**: due rows are
  claimed and their fetches handed to a pool that outlives the round; each round (about
  once a second) applies the fetches that finished and claims what fell due, so a slow
  vendor delays only itself. Called from anywhere else (Celery, ``herald tick``, tests),
  a call polls its batch and returns when every fetch has ended (at most about
  ``timeout * ceil(batch / threads)`` seconds).
- **Jitter and backoff**: the next poll is due ``poll_seconds`` minus up to 10 % after
  the last one *started* (sources added together drift apart, and none waits longer
  than its interval, however long its fetch took); after failures the wait doubles each
  time, up to 15 minutes.
- **Stale**: a source with three failures in a row, or no success for three intervals,
  is "stale". Nothing is claimed from a failed poll, so stale data never changes a
  status; a malformed document (``handle`` raising ValueError) is that source's error,
  never the job's crash.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from app.signals.fetch import Fetched, FetchError, fetch
from app.status.version import bump_page_version
from core.db import db
from core.time import utcnow
from subscribers.worker import SLOW_THREAD_NAME

log = logging.getLogger(__name__)

JITTER = 0.10
MAX_BACKOFF_SECONDS = 15 * 60
STALE_AFTER_FAILURES = 3
STALE_AFTER_INTERVALS = 3
# 128 rows in two waves of 64 fetches: the same worst case as before (two fetch
# timeouts), and 200 sources every 30 s keep up even when slow vendors hold a wave
# (bench/signals.py).
DEFAULT_BATCH = 128
DEFAULT_THREADS = 64
FETCH_TIMEOUT = 10.0
MAX_ERROR_LENGTH = 500


def poll_due(
    model,
    handle: Callable[[object, Fetched], object],
    now: datetime | None = None,
    *,
    batch: int = DEFAULT_BATCH,
    threads: int = DEFAULT_THREADS,
    timeout: float = FETCH_TIMEOUT,
) -> int:
    """Poll every enabled, due and unclaimed row of ``model`` (at most ``batch``);
    returns how many polls were completed. ``handle(row, fetched)`` reads a 200 answer.
    On the worker's polling thread the fetches run on in the background (see above)."""
    if threading.current_thread().name == SLOW_THREAD_NAME:
        return _background_round(model, handle, batch, timeout)
    start = now or utcnow()
    rows = _claim_due(model, start, batch, timeout, threads)
    if not rows:
        return 0
    allow_private = _allow_private()
    requests_ = [(row.id, row.url, row.etag or "", row.last_modified or "") for row in rows]
    with ThreadPoolExecutor(max_workers=min(threads, len(rows)), thread_name_prefix="poll") as pool:
        futures = {
            row_id: pool.submit(_fetch_one, url, etag, modified, timeout, allow_private)
            for row_id, url, etag, modified in requests_
        }
        outcomes = {row_id: future.result() for row_id, future in futures.items()}
    for row in rows:
        _apply(row, outcomes[row.id], handle, now or start)
        db.session.commit()
    return len(rows)


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False))


class _Background:
    """The polling thread's fetches in flight, by (table, row id), with when each began."""

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.flying: dict[tuple[str, int], tuple[Future, datetime]] = {}

    def executor(self) -> ThreadPoolExecutor:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=DEFAULT_THREADS, thread_name_prefix="poll")
        return self.pool

    def finished(self, table: str) -> list[tuple[int, Fetched | str, datetime]]:
        done = [
            (key, future, began)
            for key, (future, began) in self.flying.items()
            if key[0] == table and future.done()
        ]
        for key, _, _ in done:
            del self.flying[key]
        return [(key[1], future.result(), began) for key, future, began in done]


_BACKGROUND = _Background()


def _background_round(model, handle, batch: int, timeout: float) -> int:
    """Apply what finished, then start what fell due; never waits for the network."""
    table = model.__tablename__
    applied = 0
    for row_id, outcome, began in _BACKGROUND.finished(table):
        row = db.session.get(model, row_id)
        if row is not None:
            _apply(row, outcome, handle, began)  # each in its savepoint
            applied += 1
    # One commit per round: the write lock is taken once, not once per source, so alert
    # deliveries arriving meanwhile wait less (SQLite has one writer at a time).
    db.session.commit()
    now = utcnow()
    busy = {row_id for (name, row_id) in _BACKGROUND.flying if name == table}
    room = max(0, DEFAULT_THREADS * 2 - len(_BACKGROUND.flying))
    claimed = _claim_due(model, now, min(batch, room), timeout, DEFAULT_THREADS)
    rows = [row for row in claimed if row.id not in busy]
    allow_private = _allow_private()
    for row in rows:
        future = _BACKGROUND.executor().submit(
            _fetch_one, row.url, row.etag or "", row.last_modified or "", timeout, allow_private
        )
        _BACKGROUND.flying[(table, row.id)] = (future, now)
    return applied


def _claim_due(model, now: datetime, batch: int, timeout: float, threads: int) -> list:
    """Take up to ``batch`` due rows for this poller and commit the claim."""
    lease = timedelta(seconds=timeout * math.ceil(batch / max(threads, 1)) + 60)
    due_ids = db.session.scalars(
        select(model.id)
        .where(
            model.enabled.is_(True),
            model.next_poll_at <= now,
            or_(model.claimed_until.is_(None), model.claimed_until <= now),
        )
        .order_by(model.next_poll_at)
        .limit(batch)
    ).all()
    won = []
    for row_id in due_ids:
        result = db.session.execute(
            update(model)
            .where(
                model.id == row_id,
                or_(model.claimed_until.is_(None), model.claimed_until <= now),
            )
            .values(claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            won.append(row_id)
    db.session.commit()
    if not won:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(won)).order_by(model.id)))


def _fetch_one(
    url: str, etag: str, modified: str, timeout: float, allow_private: bool
) -> Fetched | str:
    """The fetched answer, or the reason it could not be had (runs in a pool thread)."""
    try:
        return fetch(
            url, etag=etag, last_modified=modified, timeout=timeout, allow_private=allow_private
        )
    except FetchError as error:
        return str(error)
    except Exception as error:  # a bug must not end the whole round
        log.exception("fetching %s failed", url)
        return f"Unexpected error: {type(error).__name__}"


def _apply(row, outcome: Fetched | str, handle, now: datetime | None) -> None:
    at = now or utcnow()
    row.last_polled_at = at
    row.claimed_until = None
    if isinstance(outcome, str):
        _failed(row, outcome, at)
        return
    if outcome.not_modified:
        _succeeded(row, outcome, at)
        return
    try:
        with db.session.begin_nested():
            handle(row, outcome)
    except ValueError as error:
        _failed(row, f"Unreadable document: {error}", at)
        return
    except Exception as error:
        log.exception("handling %s %s failed", type(row).__name__, row.id)
        _failed(row, f"Unexpected error while reading the document: {type(error).__name__}", at)
        return
    _succeeded(row, outcome, at)


def _succeeded(row, fetched: Fetched, at: datetime) -> None:
    if row.poll_state == "stale":
        _staleness_shown(row)
    row.poll_state = "ok"
    row.failures = 0
    row.last_error = ""
    row.last_success_at = at
    row.etag = (fetched.etag or "")[:512]
    row.last_modified = (fetched.last_modified or "")[:128]
    row.next_poll_at = at + timedelta(seconds=jittered(row.poll_seconds))


def _failed(row, reason: str, at: datetime) -> None:
    row.failures = (row.failures or 0) + 1
    row.last_error = reason[:MAX_ERROR_LENGTH]
    was = row.poll_state
    row.poll_state = "stale" if is_stale(row, at) else "failing"
    row.next_poll_at = at + timedelta(seconds=jittered(backoff_seconds(row)))
    if row.poll_state == "failing":
        # Tried again when three intervals without an answer make it stale, not later
        # (found by a new user: backing off, a dead source was said stale minutes late).
        since = row.last_success_at or row.created_at
        if since is not None:
            stale_at = since + timedelta(seconds=STALE_AFTER_INTERVALS * row.poll_seconds)
            if at < stale_at < row.next_poll_at:
                row.next_poll_at = stale_at
    if row.poll_state == "stale" and was != "stale":
        _staleness_shown(row)


def _staleness_shown(row) -> None:
    """A vendor source turning stale or fresh again changes what the internal page says
    beside the statuses it claims ("not read since …"): its cached copies turn over."""
    if getattr(row, "component_map", None):
        bump_page_version()


def is_stale(row, at: datetime) -> bool:
    """Three failures in a row, or no success for three intervals."""
    if (row.failures or 0) >= STALE_AFTER_FAILURES:
        return True
    since = row.last_success_at or row.created_at
    if since is None:
        return False
    return (at - since).total_seconds() >= STALE_AFTER_INTERVALS * row.poll_seconds


def backoff_seconds(row) -> float:
    """Twice the interval per failure in a row, never past 15 minutes (nor below the
    interval itself)."""
    failures = max(row.failures or 0, 1)
    grown = row.poll_seconds * (2 ** min(failures, 16))
    return max(row.poll_seconds, min(grown, MAX_BACKOFF_SECONDS))


def jittered(seconds: float) -> float:
    """Up to 10 % sooner, never later: a source is polled within its interval."""
    return seconds * random.uniform(1 - JITTER, 1.0)
