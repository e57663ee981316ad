"""Sending: claim a batch of queued deliveries, hand it to the channel, record outcomes.

Claims mark rows ``sending`` with a lease in one statement (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two workers never take the same row). A worker that dies leaves its rows
``sending`` until the lease ends; they are then queued again. Outcomes are written in
one transaction per batch. A delivery that reached ``sent`` is never claimed again.
"""

from __future__ import annotations

import logging
import random
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import utcnow
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
from subscribers.models import Broadcast, Delivery, Subscriber
from subscribers.outbox import lease_length

log = logging.getLogger(__name__)

BACKOFF_BASE = 10.0  # seconds before the first retry, doubling each time
BACKOFF_CAP = 3600.0
WEBHOOK_FAILURE_LIMIT = 10
WEBHOOK_FAILURE_WINDOW = timedelta(hours=1)


class ContentCache:
    """Broadcast contents by id, kept while their deliveries are being sent."""

    def __init__(self, size: int = 64):
        self.items: OrderedDict[int, Content] = OrderedDict()
        self.size = size

    def get(self, broadcast_id: int) -> Content:
        content = self.items.get(broadcast_id)
        if content is None:
            b = db.session.get(Broadcast, broadcast_id)
            content = Content(
                b.id,
                b.kind,
                b.subject,
                b.text_body,
                b.html_body,
                b.sms_body,
                b.webhook_payload or {},
                b.subscriber_id is not None,
            )
            self.items[broadcast_id] = content
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return content


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds until the next try: exponential with jitter, never sooner than the provider
    asked (Retry-After, X-RateLimit-Reset)."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    delay *= random.uniform(0.5, 1.5)
    return max(delay, retry_after or 0.0)


def claim(channel: str, size: int) -> list[int]:
    """Take up to ``size`` due deliveries of ``channel`` for this worker, best first."""
    now = utcnow()
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
    claimed = db.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(
            state="sending",
            lease_until=now + lease_length(),
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def _load(ids: list[int]) -> list[tuple]:
    return db.session.execute(
        select(
            Delivery.id,
            Delivery.broadcast_id,
            Delivery.subscriber_id,
            Delivery.address,
            Delivery.attempts,
            Subscriber.token,
            Subscriber.secret,
            Subscriber.state,
        )
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.priority, Delivery.id)
    ).all()


@dataclass(frozen=True, slots=True)
class Claimed:
    attempts: int
    subscriber_id: int
    broadcast_id: int


def send_claimed(
    channel: Channel, ids: list[int], contents: ContentCache
) -> tuple[list[Outcome], dict[int, Claimed]]:
    """Send claimed deliveries, grouped by broadcast; returns every outcome and what was
    known of each delivery when it was claimed."""
    outcomes: list[Outcome] = []
    groups: dict[int, list[Outgoing]] = {}
    claimed: dict[int, Claimed] = {}
    for did, bid, sid, address, attempts, token, secret, state in _load(ids):
        claimed[did] = Claimed(attempts, sid, bid)
        content = contents.get(bid)
        if state != "active" and not (content.direct and state == "pending"):
            # Unsubscribed or quarantined after the broadcast was expanded.
            outcomes.append(Outcome(did, SUPPRESSED, error=f"subscriber is {state}"))
            continue
        groups.setdefault(bid, []).append(Outgoing(did, sid, address, token, secret, attempts))
    db.session.rollback()  # end the read transaction before the slow part
    for bid, items in groups.items():
        outcomes.extend(channel.send_logged(contents.get(bid), items))
    return outcomes, claimed


def _mark_sent(sent: list[Outcome], now) -> None:
    """Sent rows in as few statements as possible: SendGrid gives one id per request."""
    by_provider_id: dict[str, list[int]] = {}
    for o in sent:
        by_provider_id.setdefault(o.provider_id[:128], []).append(o.delivery_id)
    singles = []
    for provider_id, ids in by_provider_id.items():
        if len(ids) == 1:
            singles.append({"id": ids[0], "provider_message_id": provider_id})
            continue
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                state="sent",
                sent_at=now,
                updated_at=now,
                lease_until=None,
                last_error="",
                provider_message_id=provider_id,
            )
            .execution_options(synchronize_session=False)
        )
    if singles:
        for row in singles:
            row.update(state="sent", sent_at=now, updated_at=now, lease_until=None, last_error="")
        db.session.execute(update(Delivery), singles)


def record(
    outcomes: list[Outcome], claimed: dict[int, Claimed], track_successes: bool = False
) -> None:
    """Write the outcomes of a batch in one transaction. ``track_successes`` resets the
    failure count of subscribers that received (webhooks count failures)."""
    if not outcomes:
        return
    now = utcnow()
    max_attempts = current_app.config["MAX_ATTEMPTS"]
    sent = [o for o in outcomes if o.status == SENT]
    _mark_sent(sent, now)
    changes = []
    unsubscribe, quarantine, failing = {}, {}, {}
    for o in outcomes:
        if o.status == SENT:
            continue
        tries = claimed[o.delivery_id].attempts
        row = {"id": o.delivery_id, "updated_at": now, "lease_until": None}
        if o.status == RETRY and tries < max_attempts:
            wait = backoff(tries, o.retry_after)
            row.update(
                state="queued",
                last_error=o.error[:2000],
                next_attempt_at=now + timedelta(seconds=wait),
            )
        elif o.status == RETRY:
            row.update(
                state="failed",
                last_error=f"gave up after {max_attempts} attempts: {o.error}"[:2000],
            )
        else:
            row.update(
                state=o.status if o.status in (FAILED, BOUNCED, SUPPRESSED) else "failed",
                last_error=o.error[:2000],
            )
        changes.append(row)
        sid = claimed[o.delivery_id].subscriber_id
        if o.subscriber_action == "unsubscribe":
            unsubscribe[sid] = o.error
        elif o.subscriber_action == "quarantine":
            quarantine[sid] = o.error
        elif o.subscriber_action == "count_failure":
            failing[sid] = o.error
    if changes:
        db.session.execute(update(Delivery), changes)
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
    while stop is None or not stop.is_set():
        ids = claim(channel.kind, channel.batch_size)
        if not ids:
            break
        outcomes, claimed = send_claimed(channel, ids, contents)
        record(outcomes, claimed, track_successes=channel.kind == "webhook")
        handled += len(ids)
        batches += 1
        if max_batches is not None and batches >= max_batches:
            break
    return handled
