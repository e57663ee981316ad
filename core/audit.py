"""The audit log: every service that changes state records who did it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Protocol

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, db
from core.time import utcnow


class Actor(Protocol):
    """Who did it: a staff user (anything with an id and an email)."""

    id: int
    email: str


class AuditEvent(Base):
    """Who changed what and when. ``changes`` holds {field: [old, new]} where it helps."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too, so the log still says who it was after a user is deleted.
    actor: Mapped[str] = mapped_column(String(254), default="system")
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


# When history is replayed (the demo's seeding), the time each action happened in that
# history; unset, an event is stamped with the time it is recorded.
_replayed_at: ContextVar[datetime | None] = ContextVar("audit_replayed_at", default=None)


@contextmanager
def recorded_at(at: datetime) -> Iterator[None]:
    """Stamp the events recorded inside with ``at``: for writing past history (the demo),
    so that the log says when each action happened in it, not when it was written."""
    token = _replayed_at.set(at)
    try:
        yield
    finally:
        _replayed_at.reset(token)


def record(
    actor: Actor | None,
    action: str,
    target: object | None = None,
    summary: str = "",
    changes: dict | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the change), stamped
    ``at``, else with the time of the history being replayed (``recorded_at``), else now."""
    event = AuditEvent(
        at=at or _replayed_at.get() or utcnow(),
        user_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else "system",
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        summary=summary,
        changes=changes or {},
    )
    db.session.add(event)
    return event


def diff(obj: object, values: dict) -> dict:
    """Set ``values`` on ``obj`` and return {field: [old, new]} for those that changed."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changes


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "id"):
        return value.name
    return value
