"""What the workflow does by itself as an incident moves: escalation and roll call when it
is declared, the cadence after each update, the all-clear when it is resolved."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.comms import cadence
from app.comms.escalation import escalate
from app.comms.rollcall import announce_resolution, start_roll_call
from app.models import Incident, IncidentUpdate, User, utcnow

# Declaring an incident that started longer ago than this records history: no alerts.
NEWS_WINDOW = timedelta(hours=1)


def is_news(moment: datetime) -> bool:
    return moment >= utcnow() - NEWS_WINDOW


# Only assign what changes: any change to the incident row moves its updated_at (which
# the feeds and the JSON show) to now, which would be wrong for a backfilled incident.


def on_declared(actor: User | None, incident: Incident, notify: bool) -> None:
    news = is_news(incident.started_at)
    lead = actor is not None and actor.role in ("comms_lead", "admin")
    if news and lead and incident.comms_lead_id is None:
        incident.comms_lead_id = actor.id
    if not notify or not news:
        return
    escalate(incident)
    start_roll_call(incident)
    cadence.schedule_next(incident, incident.started_at, None)


def on_update(incident: Incident, update: IncidentUpdate, was: str, notify: bool) -> None:
    if update.status == "resolved" and was != "resolved":
        if incident.next_update_due_at is not None:
            incident.next_update_due_at = None
        if notify and is_news(update.display_at):
            announce_resolution(incident)
    elif is_news(update.display_at):
        cadence.schedule_next(incident, update.display_at, None)
