"""Update cadence: when each unresolved incident's next update is due, and reminding the
communications lead when it is overdue.

The pace is set by the impact the next update will say: the newest set of drafts not yet
published (the lead raised or lowered the impact on its fact sheet), else the incident's
(its last published set's). A due time the last update promised stays as promised."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.models import Draft, FactSheet, Incident, utcnow
from app.notifier.events import UpdateOverdue
from app.notifier.notifier import notify
from app.status.impact import effective_impact, implied_impact, incident_statuses
from core.db import db
from core.vocab import IMPACT_SEVERITY
from subscribers.audiences import DEFAULT_CADENCE, get_audience

# The audience whose cadence sets the pace (the one that waits most visibly).
PACE_AUDIENCE = "customers"


def pace_impact(incident: Incident) -> str:
    """The impact the next update is paced by: the newest set's when it is live (about to
    be published), else the incident's, which publishing sets from its set. A live set
    older than a published one was replaced by it: it says nothing about what is next."""
    if incident.id is None:
        return incident.impact
    newest = db.session.execute(
        select(FactSheet.impact, FactSheet.published_at)
        .where(
            FactSheet.incident_id == incident.id,
            FactSheet.published_at.is_not(None)
            | FactSheet.drafts.any(Draft.state.not_in(("published", "discarded"))),
        )
        .order_by(FactSheet.id.desc())
        .limit(1)
    ).first()
    if newest is None or newest.published_at is not None:
        return effective_impact(incident)
    # Never below what the components imply, as everywhere Herald states the impact.
    implied, _ = implied_impact(incident_statuses(incident))
    return max(newest.impact, implied, key=lambda impact: IMPACT_SEVERITY.get(impact, 0))


def cadence_minutes(incident: Incident, impact: str | None = None) -> int:
    """Minutes between updates for ``impact``, else for the impact the next update is
    paced by (``pace_impact``)."""
    audience = get_audience(PACE_AUDIENCE)
    table = {**DEFAULT_CADENCE, **(audience.cadence or {})}
    impact = impact or pace_impact(incident)
    return int(table.get(impact, DEFAULT_CADENCE["minor"]))


def suggested_next_update_at(incident: Incident, impact: str | None = None) -> datetime | None:
    """When the next update should come: now plus the cadence for ``impact`` (else the
    impact the next update is paced by), rounded up to five minutes; None once resolved."""
    if incident.status == "resolved":
        return None
    moment = utcnow() + timedelta(minutes=cadence_minutes(incident, impact))
    moment = moment.replace(second=0, microsecond=0)
    return moment + timedelta(minutes=-moment.minute % 5)


def repace(incident: Incident, was: str) -> None:
    """A set drafted or discarded may change the impact the next update is paced by
    (``was``: the one before): a due time the cadence set moves with it, from the same
    last update; a due time the last update promised does not."""
    due = incident.next_update_due_at
    if incident.status == "resolved" or due is None or pace_impact(incident) == was:
        return
    promised = db.session.scalar(
        select(FactSheet.next_update_at)
        .where(FactSheet.incident_id == incident.id, FactSheet.published_at.is_not(None))
        .order_by(FactSheet.published_at.desc(), FactSheet.id.desc())
        .limit(1)
    )
    if promised is not None and promised == due:
        return
    since = due - timedelta(minutes=cadence_minutes(incident, was))
    incident.next_update_due_at = since + timedelta(minutes=cadence_minutes(incident))


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
