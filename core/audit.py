"""The audit log: every service that changes state records who did it."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import AuditEvent, User, utcnow


def record(
    actor: User | None,
    action: str,
    target: object | None = None,
    summary: str = "",
    changes: dict | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the change)."""
    event = AuditEvent(
        at=at or utcnow(),
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
