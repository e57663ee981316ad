"""Update cadence: when each unresolved incident's next update is due, and reminding the
communications lead when it is overdue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.models import Incident, utcnow
from app.notifier.events import UpdateOverdue
from app.notifier.notifier import notify
from core.db import db
from subscribers.audiences import DEFAULT_CADENCE, get_audience

# The audience whose cadence sets the pace (the one that waits most visibly).
PACE_AUDIENCE = "customers"


def cadence_minutes(incident: Incident) -> int:
    audience = get_audience(PACE_AUDIENCE)
    table = {**DEFAULT_CADENCE, **(audience.cadence or {})}
    return int(table.get(incident.impact, DEFAULT_CADENCE["minor"]))


def schedule_next(incident: Incident, at: datetime, promised: datetime | None) -> None:
    """After an update: the next is due when promised, else after the audience's cadence."""
    if incident.status == "resolved":
        if incident.next_update_due_at is not None:  # no needless change to the row
            incident.next_update_due_at = None
        return
    incident.next_update_due_at = promised or at + timedelta(minutes=cadence_minutes(incident))


def overdue(now: datetime | None = None) -> list[Incident]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Incident)
            .where(
                Incident.status != "resolved",
                Incident.next_update_due_at.is_not(None),
                Incident.next_update_due_at < now,
            )
            .order_by(Incident.next_update_due_at)
        )
    )


def remind_overdue(now: datetime | None = None) -> int:
    """Remind the lead of each overdue incident once per missed update; returns how many
    reminders were queued."""
    now = now or utcnow()
    sent = 0
    for incident in overdue(now):
        if incident.reminded_for == incident.next_update_due_at:
            continue
        sent += len(notify(UpdateOverdue(incident, now)))
        incident.reminded_for = incident.next_update_due_at
    return sent
