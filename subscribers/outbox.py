"""The outbox: broadcasts become deliveries in the database before anything is sent.

``create_broadcast`` is called inside the transaction of what it announces, so the
promise to deliver commits with it. ``expand_step`` turns a broadcast into one delivery
per matching address and channel, a chunk per transaction, key accounts first; channel
workers can send the first chunk while later ones are still being written. A unique key
(broadcast, channel, address) makes expanding twice add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db import db
from core.directory import components
from core.time import utcnow
from subscribers import dispatch
from subscribers.audiences import get_audience
from subscribers.channels import slack_api
from subscribers.models import Audience, Broadcast, Delivery, Subscriber, Subscription

EXPAND_CHUNK = 5000


@dataclass(frozen=True)
class Message:
    """What a broadcast says, per channel. Bodies may hold [%unsubscribe_url%] and
    [%manage_url%], filled in for each recipient."""

    subject: str
    text: str
    html: str = ""
    sms: str = ""
    webhook_payload: dict | None = None
    # Buttons for chat (Slack): [{"id", "label", "value", "url"?, "style"?}].
    chat_actions: list | None = None
    # The same message in other languages: {language: Message}. Each subscriber gets
    # its language's when there is one, else this (English) one.
    translations: dict | None = None

    def as_texts(self) -> dict[str, str]:
        return {"subject": self.subject, "text": self.text, "html": self.html, "sms": self.sms}


def create_broadcast(
    audience: Audience | str,
    message: Message,
    *,
    source: str,
    component_ids: list[int] | None = None,
    channels: list[str] | None = None,
    kind: str = "incident",
    team_id: int | None = None,
    subscriber_id: int | None = None,
    without_team_members: bool = False,
) -> Broadcast:
    """Promise a message to the subscribers of ``audience`` (and, when given, of these
    components). Idempotent on ``source``: the same source returns the first broadcast."""
    if isinstance(audience, str):
        audience = get_audience(audience)
    existing = db.session.scalar(select(Broadcast).where(Broadcast.source == source))
    if existing is not None:
        return existing
    broadcast = Broadcast(
        audience_id=audience.id,
        team_id=team_id,
        subscriber_id=subscriber_id,
        without_team_members=without_team_members,
        kind=kind,
        source=source,
        component_ids=sorted(set(component_ids or [])),
        channels=list(channels or []),
        subject=message.subject,
        text_body=message.text,
        html_body=message.html,
        sms_body=message.sms,
        webhook_payload=message.webhook_payload or {},
        translations={
            language: translated.as_texts()
            for language, translated in (message.translations or {}).items()
        },
        chat_actions=list(message.chat_actions or []),
        priority=audience.priority,
        state="pending",
    )
    db.session.add(broadcast)
    db.session.flush()
    dispatch.after_commit("expand", broadcast.id)
    return broadcast


def hears_about(component_ids: list[int]):
    """Subscribers who hear about any of these components, as a WHERE clause: those with
    every component, and those who chose one of them or its group. Shared by broadcasts
    and saved groups (``subscribers.groups``), so that both always agree."""
    group_ids = select(components.c.group_id).where(
        components.c.id.in_(component_ids), components.c.group_id.is_not(None)
    )
    chosen = exists().where(
        Subscription.subscriber_id == Subscriber.id,
        or_(Subscription.component_id.in_(component_ids), Subscription.group_id.in_(group_ids)),
    )
    return or_(Subscriber.all_components.is_(True), chosen)


def _unsendable():
    """Subscribers on a channel that cannot send now, as a WHERE clause: Slack ones while
    Slack is not set up. They are left out of expansion (no delivery that can only fail)
    and of the reach shown before publishing; setting Slack up brings them back for the
    broadcasts that follow."""
    if slack_api.configured(current_app.config):
        return None
    return Subscriber.channel != "slack"


def _match(broadcast: Broadcast, key_accounts: bool | None):
    """Which subscribers a broadcast reaches, as a WHERE clause (``key_accounts`` None:
    key accounts and the others alike)."""
    sendable = _unsendable()
    if broadcast.subscriber_id is not None:
        clause = Subscriber.id == broadcast.subscriber_id
        return clause if sendable is None else and_(clause, sendable)
    clauses = [Subscriber.state == "active"]
    if sendable is not None:
        clauses.append(sendable)
    if key_accounts is not None:
        clauses.append(Subscriber.key_account.is_(key_accounts))
    if broadcast.team_id is not None:
        clauses.append(Subscriber.team_id == broadcast.team_id)
    else:
        clauses.append(Subscriber.audience_id == broadcast.audience_id)
        if broadcast.without_team_members:
            # Those on the list of a team that owns components: each such team has its
            # own broadcast of the same news. A team owning nothing gets none.
            owners = select(components.c.team_id).where(components.c.team_id.is_not(None))
            clauses.append(or_(Subscriber.team_id.is_(None), Subscriber.team_id.not_in(owners)))
    if broadcast.channels:
        clauses.append(Subscriber.channel.in_(broadcast.channels))
    if broadcast.component_ids:
        clauses.append(hears_about(broadcast.component_ids))
    return and_(*clauses)


def reaches(broadcast: Broadcast):
    """Every subscriber a broadcast reaches (or would reach, before it is expanded)."""
    return _match(broadcast, None)


def reach_by_channel(
    audience: Audience | str,
    component_ids: list[int] | None = None,
    team_id: int | None = None,
    without_team_members: bool = False,
) -> dict:
    """How many addresses a broadcast to ``audience`` (or to one team's people) about
    these components would reach now, per channel ({"email": 120, "sms": 30}), counted as
    expansion would write them (one per channel and address) and writing nothing: the
    count shown before publishing."""
    if isinstance(audience, str):
        audience = get_audience(audience)
    probe = Broadcast(
        audience_id=audience.id,
        team_id=team_id,
        without_team_members=without_team_members,
        component_ids=sorted(set(component_ids or [])),
        channels=[],
    )
    rows = db.session.execute(
        select(Subscriber.channel, func.count(func.distinct(Subscriber.address)))
        .where(_match(probe, None))
        .group_by(Subscriber.channel)
    )
    return dict(rows.all())


def _insert_ignoring_duplicates():
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return insert(Delivery)


def _lock_broadcast(broadcast_id: int) -> Broadcast | None:
    query = select(Broadcast).where(Broadcast.id == broadcast_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def expand_step(broadcast_id: int, chunk: int = EXPAND_CHUNK) -> int:
    """Write the next chunk of deliveries of a broadcast and commit. Returns how many rows
    were written, or -1 when the broadcast is fully expanded (or being expanded by another
    worker)."""
    broadcast = _lock_broadcast(broadcast_id)
    if broadcast is None or broadcast.state not in ("pending", "expanding"):
        db.session.rollback()
        return -1
    now = utcnow()
    key_accounts = broadcast.expand_pass == 0
    condition = and_(_match(broadcast, key_accounts), Subscriber.id > broadcast.expanded_through)
    window = (
        select(Subscriber.id.label("id")).where(condition).order_by(Subscriber.id).limit(chunk)
    ).subquery()
    upto = db.session.scalar(select(func.max(window.c.id)))
    if upto is None:
        if broadcast.expand_pass == 0 and broadcast.subscriber_id is None:
            # Key accounts are written; now everyone else.
            broadcast.expand_pass, broadcast.expanded_through = 1, 0
            broadcast.state = "expanding"
            db.session.commit()
            return 0
        broadcast.state = "sending"
        broadcast.expanded_at = now
        db.session.commit()
        return -1
    priority = broadcast.priority * 2 + (0 if key_accounts else 1)
    rows = select(
        literal(broadcast.id),
        Subscriber.id,
        Subscriber.channel,
        Subscriber.address,
        literal(priority),
        literal("queued"),
        literal(0),
        literal(now),
        literal(now),
        literal(now),
        literal(""),
        literal(""),
    ).where(condition, Subscriber.id <= upto)
    statement = (
        _insert_ignoring_duplicates()
        .from_select(
            [
                "broadcast_id",
                "subscriber_id",
                "channel",
                "address",
                "priority",
                "state",
                "attempts",
                "next_attempt_at",
                "created_at",
                "updated_at",
                "provider_message_id",
                "last_error",
            ],
            rows,
        )
        .on_conflict_do_nothing()
        # SQLAlchemy 2.1 reports -1 for an INSERT's rowcount on psycopg unless asked.
        .execution_options(preserve_rowcount=True)
    )
    written = db.session.execute(statement).rowcount or 0
    broadcast.expanded_through = upto
    broadcast.state = "expanding"
    broadcast.recipients = (broadcast.recipients or 0) + written
    db.session.commit()
    if written:
        dispatch.notify_channels()
    return written


def expand_broadcast(broadcast_id: int, chunk: int = EXPAND_CHUNK) -> int:
    """Expand a broadcast completely; returns the number of deliveries it has."""
    while expand_step(broadcast_id, chunk) != -1:
        pass
    return db.session.scalar(select(Broadcast.recipients).where(Broadcast.id == broadcast_id))


def pending_broadcast_ids(limit: int = 20) -> list[int]:
    return list(
        db.session.scalars(
            select(Broadcast.id)
            .where(Broadcast.state.in_(("pending", "expanding")))
            .order_by(Broadcast.priority, Broadcast.id)
            .limit(limit)
        )
    )


def finish_broadcasts() -> int:
    """Mark broadcasts done when nothing of theirs is queued or sending any more."""
    open_deliveries = exists().where(
        Delivery.broadcast_id == Broadcast.id, Delivery.state.in_(("queued", "sending"))
    )
    result = db.session.execute(
        update(Broadcast)
        .where(Broadcast.state == "sending", ~open_deliveries)
        .values(state="done", finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


@dataclass
class Progress:
    broadcast_id: int
    state: str
    recipients: int
    counts: dict[str, int]
    retrying: int

    @property
    def remaining(self) -> int:
        return self.counts.get("queued", 0) + self.counts.get("sending", 0) - self.retrying

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0) + self.counts.get("delivered", 0)

    @property
    def failed(self) -> int:
        return sum(self.counts.get(s, 0) for s in ("failed", "bounced", "suppressed"))

    def as_dict(self) -> dict:
        return {
            "broadcast_id": self.broadcast_id,
            "state": self.state,
            "recipients": self.recipients,
            "sent": self.sent,
            "failed": self.failed,
            "retrying": self.retrying,
            "remaining": self.remaining,
            "by_state": self.counts,
        }


def progress(broadcast: Broadcast) -> Progress:
    """Counts of a broadcast's deliveries by state; retrying = queued after a failure."""
    counts = dict(
        db.session.execute(
            select(Delivery.state, func.count())
            .where(Delivery.broadcast_id == broadcast.id)
            .group_by(Delivery.state)
        ).all()
    )
    retrying = (
        db.session.scalar(
            select(func.count()).where(
                Delivery.broadcast_id == broadcast.id,
                Delivery.state == "queued",
                Delivery.attempts > 0,
            )
        )
        or 0
    )
    return Progress(broadcast.id, broadcast.state, broadcast.recipients, counts, retrying)


def release_expired_leases() -> int:
    """Deliveries claimed by a worker that died go back to the queue when their lease
    ends. Only ``sending`` rows are touched: a ``sent`` delivery is never sent again."""
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.state == "sending", Delivery.lease_until < utcnow())
        .values(state="queued", last_error="worker stopped before finishing; requeued")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def lease_length() -> timedelta:
    return timedelta(seconds=current_app.config["DELIVERY_LEASE_SECONDS"])
