"""What staff do with subscribers (add, release), audited, and the read queries of the
staff screens: the subscriber list, one subscriber's deliveries, broadcasts and their
progress."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import audit
from core.audit import Actor
from core.db import db
from subscribers import registry
from subscribers.models import (
    DELIVERY_STATES,
    SUBSCRIBER_STATES,
    Broadcast,
    Delivery,
    Subscriber,
)
from subscribers.outbox import Progress
from subscribers.states import subscriptions

PAGE_SIZE = 50
BROADCAST_STATE_LABELS = {
    "pending": "Waiting to start",
    "expanding": "Writing deliveries",
    "sending": "Sending",
    "done": "Done",
}
# The delivery list of a broadcast can show these besides the delivery states.
RETRYING = "retrying"


@dataclass
class Page:
    items: list
    page: int
    has_more: bool


def _page(query, page: int, size: int = PAGE_SIZE) -> Page:
    page = max(1, page)
    rows = db.session.scalars(query.limit(size + 1).offset((page - 1) * size)).all()
    return Page(list(rows[:size]), page, len(rows) > size)


# Actions -------------------------------------------------------------------------------


def add_subscriber(
    actor: Actor | None,
    channel: str,
    address: str,
    audience: str,
    *,
    team_id: int | None = None,
    component_ids: list[int] | None = None,
    key_account: bool = False,
    name: str = "",
    language: str | None = None,
) -> tuple[Subscriber, bool]:
    """Staff add an internal subscriber, active at once, with a notice that says so (in
    ``language``, the language of every message it gets; English when not given)."""
    subscriber, created = registry.add_internal(
        channel,
        address,
        audience,
        team_id=team_id,
        component_ids=component_ids,
        key_account=key_account,
        name=name,
        language=language,
    )
    db.session.flush()
    audit.record(
        actor,
        "subscriber.create" if created else "subscriber.update",
        subscriber,
        f"{'Added' if created else 'Updated'} {subscriber.channel} subscriber "
        f"{subscriber.address} ({subscriber.audience.name})",
    )
    return subscriber, created


def release_subscriber(actor: Actor | None, subscriber: Subscriber) -> Subscriber:
    """Staff release a quarantined subscriber: it receives messages again."""
    reason = subscriber.state_reason
    registry.release(subscriber)
    audit.record(
        actor,
        "subscriber.release",
        subscriber,
        f"Released {subscriber.address} from quarantine",
        {"state": ["quarantined", "active"], "reason": [reason, ""]},
    )
    return subscriber


# Subscribers ---------------------------------------------------------------------------


def _filtered(query, *, search: str = "", audience_id=None, channel: str = "", state: str = ""):
    # Addresses kept only for messages to their owner alone are no one's subscription.
    query = query.where(subscriptions())
    if search:
        query = query.where(
            func.lower(Subscriber.address).contains(search.strip().lower(), autoescape=True)
        )
    if audience_id:
        query = query.where(Subscriber.audience_id == audience_id)
    if channel:
        query = query.where(Subscriber.channel == channel)
    if state:
        query = query.where(Subscriber.state == state)
    return query


def search_subscribers(
    *, search: str = "", audience_id=None, channel: str = "", state: str = "", page: int = 1
) -> Page:
    query = _filtered(
        select(Subscriber).options(selectinload(Subscriber.audience)),
        search=search,
        audience_id=audience_id,
        channel=channel,
        state=state,
    ).order_by(Subscriber.address, Subscriber.channel, Subscriber.id)
    return _page(query, page)


def counts_by_state(*, search: str = "", audience_id=None, channel: str = "") -> dict[str, int]:
    """Subscribers in each state among those the other filters select."""
    counts = dict.fromkeys(SUBSCRIBER_STATES, 0)
    query = _filtered(
        select(Subscriber.state, func.count()).group_by(Subscriber.state),
        search=search,
        audience_id=audience_id,
        channel=channel,
    )
    counts.update(db.session.execute(query).all())
    return counts


def deliveries_to(subscriber: Subscriber, page: int = 1) -> Page:
    """Every delivery to one subscriber, newest first, with its broadcast."""
    query = (
        select(Delivery)
        .where(Delivery.subscriber_id == subscriber.id)
        .options(selectinload(Delivery.broadcast))
        .order_by(Delivery.id.desc())
    )
    return _page(query, page)


# Broadcasts ----------------------------------------------------------------------------


def recent_broadcasts(page: int = 1, size: int = 25) -> Page:
    query = (
        select(Broadcast)
        .options(selectinload(Broadcast.audience))
        .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
    )
    return _page(query, page, size)


def progress_of_many(broadcasts: list[Broadcast]) -> dict[int, Progress]:
    """``outbox.progress`` for a page of broadcasts, in two queries."""
    ids = [b.id for b in broadcasts]
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    retrying: dict[int, int] = dict.fromkeys(ids, 0)
    if ids:
        for bid, state, n in db.session.execute(
            select(Delivery.broadcast_id, Delivery.state, func.count())
            .where(Delivery.broadcast_id.in_(ids))
            .group_by(Delivery.broadcast_id, Delivery.state)
        ):
            counts[bid][state] = n
        retrying.update(
            db.session.execute(
                select(Delivery.broadcast_id, func.count())
                .where(
                    Delivery.broadcast_id.in_(ids),
                    Delivery.state == "queued",
                    Delivery.attempts > 0,
                )
                .group_by(Delivery.broadcast_id)
            ).all()
        )
    return {
        b.id: Progress(b.id, b.state, b.recipients, counts[b.id], retrying[b.id])
        for b in broadcasts
    }


def deliveries_of(broadcast: Broadcast, state: str = "", page: int = 1) -> Page:
    """A broadcast's deliveries, optionally of one state (or ``retrying``)."""
    query = (
        select(Delivery)
        .where(Delivery.broadcast_id == broadcast.id)
        .options(selectinload(Delivery.subscriber))
        .order_by(Delivery.priority, Delivery.id)
    )
    if state == RETRYING:
        query = query.where(Delivery.state == "queued", Delivery.attempts > 0)
    elif state in DELIVERY_STATES:
        query = query.where(Delivery.state == state)
    return _page(query, page)


def segments(progress: Progress) -> list[dict]:
    """The parts of a progress bar: name, count and where it starts and ends (percent)."""
    parts = [
        ("sent", progress.sent),
        ("failed", progress.failed),
        ("retrying", progress.retrying),
        ("remaining", progress.remaining),
    ]
    total = sum(n for _, n in parts)
    result, start = [], 0.0
    for name, n in parts:
        width = round(100.0 * n / total, 2) if total else 0.0
        result.append({"name": name, "count": n, "x": round(start, 2), "width": width})
        start += width
    return result


def progress_json(progress: Progress) -> dict:
    data = progress.as_dict()
    data["total"] = progress.sent + progress.failed + progress.retrying + progress.remaining
    data["done"] = progress.state == "done"
    data["state_label"] = BROADCAST_STATE_LABELS.get(progress.state, progress.state)
    data["segments"] = segments(progress)
    return data
