"""Update cadence: when each unresolved incident's next update is due, and reminding the
communications lead when it is overdue."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.comms import templating
from app.comms.context import sample_context
from app.extensions import db
from app.models import Incident, User, utcnow
from app.timeutil import human_duration
from subscribers.audiences import DEFAULT_CADENCE, get_audience
from subscribers.models import Subscriber

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


def staff_subscriber(user: User) -> Subscriber:
    """The staff account's own address for Herald's notices (created on first use)."""
    import secrets

    audience = get_audience("staff")
    found = db.session.scalar(
        select(Subscriber).where(
            Subscriber.channel == "email",
            Subscriber.address == user.email.lower(),
            Subscriber.audience_id == audience.id,
        )
    )
    if found is None:
        found = Subscriber(
            channel="email",
            address=user.email.lower(),
            audience_id=audience.id,
            state="active",
            source="staff-user",
            name=user.display_name,
            token=secrets.token_urlsafe(32),
            state_reason="staff account",
        )
        db.session.add(found)
        db.session.flush()
    return found


def leads_of(incident: Incident) -> list[User]:
    """Who to remind: the incident's communications lead, else every comms lead."""
    if incident.comms_lead_id:
        lead = db.session.get(User, incident.comms_lead_id)
        if lead is not None and lead.active:
            return [lead]
    return list(
        db.session.scalars(select(User).where(User.role == "comms_lead", User.active.is_(True)))
    )


def remind_overdue(now: datetime | None = None) -> int:
    """Remind the lead of each overdue incident once per missed update; returns how many."""
    from app.comms.messages import send
    from subscribers.outbox import Message

    now = now or utcnow()
    config = current_app.config
    sent = 0
    for incident in overdue(now):
        if incident.reminded_for == incident.next_update_due_at:
            continue
        late = human_duration((now - incident.next_update_due_at).total_seconds())
        for lead in leads_of(incident):
            context = {
                **sample_context("staff"),
                "incident": {
                    "name": incident.name,
                    "impact": incident.impact,
                    "status": incident.status,
                    "url": f"{config['PUBLIC_URL']}/admin/incidents/{incident.id}",
                    "internal_url": f"{config['PUBLIC_URL']}/internal/"
                    f"incidents/{incident.public_id}",
                },
                "overdue_by": late,
                "lead": {"name": lead.display_name},
            }
            texts = templating.render("staff", "cadence_reminder", context)
            subscriber = staff_subscriber(lead)
            send(
                incident,
                "cadence_reminder",
                "staff",
                Message(texts.email_subject, texts.email_body, sms=texts.sms_text),
                # Microseconds: two due times within one second are two missed updates.
                source=f"incident:{incident.id}:reminder:"
                f"{int(incident.next_update_due_at.timestamp() * 1_000_000)}:"
                f"{lead.id}",
                subscriber_id=subscriber.id,
                summary=f"Reminded {lead.email}: update overdue by {late}",
            )
            sent += 1
        incident.reminded_for = incident.next_update_due_at
    return sent
