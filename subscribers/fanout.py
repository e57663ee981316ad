"""Sending: claim a batch of queued deliveries, hand it to the channel, record outcomes.

Claims mark rows ``sending`` with a lease in one statement (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two workers never take the same row). A worker that dies leaves its rows
``sending`` until the lease ends; they are then queued again. Outcomes are written in
one transaction per batch. A delivery that reached ``sent`` is never claimed again.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import ARRAY, Integer, any_, bindparam, literal, select, update
from sqlalchemy.exc import OperationalError

from core.db import db
from core.time import utcnow
from subscribers.channels.base import (
    BOUNCED,
    FAILED,
    RETRY,
    SENT,
    SUPPRESSED,
    Channel,
    Content,
    Outcome,
    Outgoing,
)
from subscribers.links import link_token
from subscribers.models import Broadcast, Delivery, Subscriber
from subscribers.outbox import lease_length

log = logging.getLogger(__name__)

BACKOFF_BASE = 10.0  # seconds before the first retry, doubling each time
BACKOFF_CAP = 3600.0
WEBHOOK_FAILURE_LIMIT = 10
WEBHOOK_FAILURE_WINDOW = timedelta(hours=1)
# Channels whose failures are counted per subscriber (quarantine after repeats), so a
# success resets the count.
COUNTS_FAILURES = ("webhook", "chat_webhook")


class ContentCache:
    """Broadcast contents by id and language, kept while their deliveries are being
    sent."""

    def __init__(self, size: int = 64):
        self.items: OrderedDict[tuple[int, str], Content] = OrderedDict()
        self.size = size

    def get(self, broadcast_id: int, language: str = "en") -> Content:
        content = self.items.get((broadcast_id, language))
        if content is None:
            b = db.session.get(Broadcast, broadcast_id)
            # A language the broadcast has no text in gets the English one.
            texts = (b.translations or {}).get(language) or {
                "subject": b.subject,
                "text": b.text_body,
                "html": b.html_body,
                "sms": b.sms_body,
            }
            content = Content(
                b.id,
                b.kind,
                texts["subject"],
                texts["text"],
                texts["html"],
                texts["sms"],
                b.webhook_payload or {},
                b.subscriber_id is not None,
                tuple(b.chat_actions or ()),
            )
            self.items[(broadcast_id, language)] = content
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return content


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds until the next try: exponential with jitter, never sooner than the provider
    asked (Retry-After, X-RateLimit-Reset)."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    delay *= random.uniform(0.5, 1.5)
    return max(delay, retry_after or 0.0)


def ids_in(column, ids):
    """``column IN ids``; on PostgreSQL as ``= ANY(array)``, one parameter instead of a
    thousand, which the server plans much faster."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


@dataclass(frozen=True, slots=True)
class Claimed:
    attempts: int
    subscriber_id: int
    broadcast_id: int


def claim(channel: str, size: int, token: str | None = None) -> list[tuple]:
    """Take up to ``size`` due deliveries of ``channel`` for this worker, best first,
    marked with the claim's ``token``. Returns (id, broadcast id, subscriber id, address,
    attempts) rows."""
    now = utcnow()
    token = token or secrets.token_hex(8)
    due = (
        select(Delivery.id)
        .where(
            Delivery.state == "queued", Delivery.channel == channel, Delivery.next_attempt_at <= now
        )
        .order_by(Delivery.priority, Delivery.id)
        .limit(size)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(
            state="sending",
            lease_until=now + lease_length(),
            attempts=Delivery.attempts + 1,
            updated_at=now,
            claim_token=token,
        )
        .returning(
            Delivery.id,
            Delivery.broadcast_id,
            Delivery.subscriber_id,
            Delivery.address,
            Delivery.attempts,
            Delivery.priority,
        )
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return [tuple(row[:5]) for row in sorted(claimed, key=lambda r: (r[5], r[0]))]


def send_claimed(
    channel: Channel, rows: list[tuple], contents: ContentCache
) -> tuple[list[Outcome], dict[int, Claimed]]:
    """Send claimed deliveries, grouped by broadcast; returns every outcome and what was
    known of each delivery when it was claimed."""
    outcomes: list[Outcome] = []
    # One batch per broadcast and language: each subscriber reads its own language.
    groups: dict[tuple[int, str], list[Outgoing]] = {}
    claimed: dict[int, Claimed] = {}
    people = {
        sid: (link_token(link_id), secret, state, language)
        for sid, link_id, secret, state, language in db.session.execute(
            select(
                Subscriber.id,
                Subscriber.link_id,
                Subscriber.secret,
                Subscriber.state,
                Subscriber.language,
            ).where(ids_in(Subscriber.id, {row[2] for row in rows}))
        )
    }
    for did, bid, sid, address, attempts in rows:
        claimed[did] = Claimed(attempts, sid, bid)
        token, secret, state, language = people[sid]
        content = contents.get(bid, language)
        if not content.reaches(state):
            # Unsubscribed or quarantined after the broadcast was expanded.
            outcomes.append(Outcome(did, SUPPRESSED, error=f"subscriber is {state}"))
            continue
        groups.setdefault((bid, language), []).append(
            Outgoing(did, sid, address, token, secret, attempts)
        )
    db.session.rollback()  # end the read transaction before the slow part
    for (bid, language), items in groups.items():
        outcomes.extend(channel.send_logged(contents.get(bid, language), items))
    return outcomes, claimed


DELIVERIES = Delivery.__table__  # Core: executemany with a WHERE of our own


def _held(token: str):
    """Only rows this claim still holds: a claim whose lease ran out lost them."""
    return (DELIVERIES.c.state == "sending", DELIVERIES.c.claim_token == token)


def _mark_sent(sent: list[Outcome], now, token: str) -> None:
    """Sent rows in as few statements as possible: SendGrid gives one id per request."""
    by_provider_id: dict[str, list[int]] = {}
    for o in sent:
        by_provider_id.setdefault(o.provider_id[:128], []).append(o.delivery_id)
    singles = []
    done = {
        "state": "sent",
        "sent_at": now,
        "updated_at": now,
        "lease_until": None,
        "last_error": "",
    }
    for provider_id, ids in by_provider_id.items():
        if len(ids) == 1:
            singles.append({"did": ids[0], "pid": provider_id})
            continue
        db.session.execute(
            update(DELIVERIES)
            .where(ids_in(DELIVERIES.c.id, ids), *_held(token))
            .values(provider_message_id=provider_id, **done)
        )
    if singles:
        db.session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.id == bindparam("did"), *_held(token))
            .values(provider_message_id=bindparam("pid"), **done),
            singles,
        )


def record(
    outcomes: list[Outcome],
    claimed: dict[int, Claimed],
    track_successes: bool = False,
    token: str = "",
) -> None:
    """Write the outcomes of a batch in one transaction, only for the rows the claim
    ``token`` still holds. ``track_successes`` resets the failure count of subscribers
    that received (webhooks count failures)."""
    if not outcomes:
        return
    now = utcnow()
    max_attempts = current_app.config["MAX_ATTEMPTS"]
    sent = [o for o in outcomes if o.status == SENT]
    _mark_sent(sent, now, token)
    changes = []
    unsubscribe, quarantine, failing = {}, {}, {}
    for o in outcomes:
        if o.status == SENT:
            continue
        tries = claimed[o.delivery_id].attempts
        row = {
            "did": o.delivery_id,
            "updated_at": now,
            "lease_until": None,
            "next_attempt_at": now,
            "last_error": o.error[:2000],
        }
        if o.status == RETRY and tries < max_attempts:
            wait = backoff(tries, o.retry_after)
            row.update(state="queued", next_attempt_at=now + timedelta(seconds=wait))
        elif o.status == RETRY:
            row.update(
                state="failed",
                last_error=f"gave up after {max_attempts} attempts: {o.error}"[:2000],
            )
        else:
            row.update(state=o.status if o.status in (FAILED, BOUNCED, SUPPRESSED) else "failed")
        changes.append(row)
        sid = claimed[o.delivery_id].subscriber_id
        if o.subscriber_action == "unsubscribe":
            unsubscribe[sid] = o.error
        elif o.subscriber_action == "quarantine":
            quarantine[sid] = o.error
        elif o.subscriber_action == "count_failure":
            failing[sid] = o.error
    if changes:
        db.session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.id == bindparam("did"), *_held(token))
            .values(
                state=bindparam("state"),
                updated_at=bindparam("updated_at"),
                lease_until=bindparam("lease_until"),
                next_attempt_at=bindparam("next_attempt_at"),
                last_error=bindparam("last_error"),
            ),
            changes,
        )
    succeeded = {claimed[o.delivery_id].subscriber_id for o in sent} if track_successes else set()
    _apply_subscriber_actions(unsubscribe, quarantine, failing, succeeded, now)
    broadcast_ids = {claimed[o.delivery_id].broadcast_id for o in sent}
    if broadcast_ids:
        db.session.execute(
            update(Broadcast)
            .where(Broadcast.id.in_(broadcast_ids), Broadcast.first_sent_at.is_(None))
            .values(first_sent_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def _record_with_retries(outcomes, claimed, track_successes: bool, token: str) -> None:
    """Recording must not be lost to a briefly locked database: the messages are already
    out, and rows left ``sending`` would go out again when their lease ends."""
    for attempt in range(5):
        try:
            record(outcomes, claimed, track_successes, token)
            return
        except OperationalError:
            db.session.rollback()
            if attempt == 4:
                raise
            log.warning("recording outcomes failed (attempt %d); retrying", attempt + 1)
            time.sleep(0.5 * 2**attempt)


def _apply_subscriber_actions(
    unsubscribe: dict, quarantine: dict, failing: dict, succeeded: set, now
) -> None:
    for sid, reason in unsubscribe.items():
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id == sid)
            .values(state="unsubscribed", state_reason=f"Provider reported: {reason}"[:1000])
        )
    for sid, reason in quarantine.items():
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id == sid, Subscriber.state == "active")
            .values(state="quarantined", state_reason=reason[:1000])
        )
    for sid, reason in failing.items():
        subscriber = db.session.get(Subscriber, sid)
        if (
            subscriber.first_failure_at is None
            or now - subscriber.first_failure_at > WEBHOOK_FAILURE_WINDOW
        ):
            subscriber.first_failure_at, subscriber.failure_count = now, 1
        else:
            subscriber.failure_count += 1
        if subscriber.failure_count >= WEBHOOK_FAILURE_LIMIT and subscriber.state == "active":
            subscriber.state = "quarantined"
            subscriber.state_reason = (
                f"{subscriber.failure_count} failed deliveries within an hour; last: {reason}"
            )[:1000]
    if succeeded:
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id.in_(succeeded), Subscriber.failure_count > 0)
            .values(failure_count=0, first_failure_at=None)
            .execution_options(synchronize_session=False)
        )


def drain(
    channel: Channel,
    contents: ContentCache | None = None,
    *,
    stop=None,
    max_batches: int | None = None,
) -> int:
    """Send every due delivery of ``channel``; returns how many were handled."""
    contents = contents or ContentCache()
    handled = batches = 0
    lease = current_app.config["DELIVERY_LEASE_SECONDS"]
    # Stop starting sends well before the lease ends, leaving room for a send in flight
    # to finish (or time out) before another worker may claim the rows.
    margin = current_app.config["PROVIDER_TIMEOUT"] + 5
    while stop is None or not stop.is_set():
        token = secrets.token_hex(8)
        started = time.monotonic()
        rows = claim(channel.kind, channel.batch_size, token)
        if not rows:
            break
        channel.deadline = started + max(lease - margin, lease / 2)
        outcomes, claimed = send_claimed(channel, rows, contents)
        _record_with_retries(outcomes, claimed, channel.kind in COUNTS_FAILURES, token)
        handled += len(rows)
        batches += 1
        if max_batches is not None and batches >= max_batches:
            break
    return handled
