"""``/herald``: declare, status, update, help.

Each answer is back within Slack's 3 seconds: the modals are opened at once (views.open
needs the trigger_id within 3 s) and whatever writes to the database waits for a lock at
most busy.LOCK_WAIT_MS, else says "Herald is busy"."""

from __future__ import annotations

import re

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from app.auth.permissions import can
from app.comms import continuity
from app.comms.cadence import cadence_minutes
from app.models import Component, Incident, User
from app.slack import modals
from app.slack.busy import Busy, short_locks
from app.slack.identity import NoAccount, staff_user
from app.slack.replies import client
from app.slack.status_text import summary_text
from core.db import db

HELP = (
    "*Herald in Slack*\n"
    "• `/herald declare <name>`: declare an incident (impact, components, visibility)\n"
    "• `/herald update`: draft an update of this channel's incident (or the newest open one)\n"
    "• `/herald status`: what the status page says now\n"
    "• `/herald help`: this list\n"
    "Approvals, publishing and roll calls come as messages with buttons."
)


def run(form) -> str | None:
    """The ephemeral answer to send, or None when a modal was opened."""
    verb, _, rest = (form.get("text") or "").strip().partition(" ")
    verb = verb.lower()
    if verb in ("", "help"):
        return HELP
    if verb not in ("declare", "status", "update"):
        return f"Herald does not know `{verb[:40]}`.\n{HELP}"
    web = client(in_request=True)
    try:
        with short_locks():
            user = staff_user(web, form.get("user_id", ""))
            if verb == "status":
                return summary_text()
            if verb == "declare":
                return _declare(web, user, rest.strip(), form)
            return _update(web, user, form)
    except NoAccount as refusal:
        return str(refusal)
    except Busy as busy:
        return str(busy)


def _refused(user: User, what: str) -> str:
    return f"Your Herald role ({user.role}) cannot {what}."


def _open(web, trigger_id: str, view: dict) -> str | None:
    try:
        web.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        return f"Slack did not open the form ({error.response.get('error', 'error')}); try again."
    return None


def _declare(web, user: User, name: str, form) -> str | None:
    if not can(user, "manage_incidents"):
        return _refused(user, "declare incidents")
    components = list(
        db.session.scalars(select(Component).order_by(Component.position, Component.name))
    )
    view = modals.declare_modal(name, components, form.get("channel_id", ""))
    return _open(web, form.get("trigger_id", ""), view)


def _update(web, user: User, form) -> str | None:
    if not can(user, "compose_updates"):
        return _refused(user, "draft updates")
    incident = incident_of_channel(form.get("channel_name", "")) or newest_open_incident()
    if incident is None:
        return "There is no open incident to update. `/herald declare <name>` opens one."
    view = modals.update_modal(
        incident, continuity.carried_facts(incident), cadence_minutes(incident)
    )
    return _open(web, form.get("trigger_id", ""), view)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def incident_of_channel(channel_name: str) -> Incident | None:
    """The open incident whose own channel this is: incident channels are named
    ``inc-<yyyymmdd>-<slug of the name>`` (cut at 80 characters) when Herald creates
    them."""
    match = re.fullmatch(r"inc-(\d{8})-([a-z0-9-]+)", channel_name or "")
    if not match:
        return None
    day, tail = match.groups()
    for incident in db.session.scalars(
        select(Incident).where(Incident.status != "resolved").order_by(Incident.started_at.desc())
    ):
        name = slug(incident.name)
        if f"{incident.started_at:%Y%m%d}" == day and name and name.startswith(tail):
            return incident
    return None


def newest_open_incident() -> Incident | None:
    return db.session.scalar(
        select(Incident)
        .where(Incident.status != "resolved")
        .order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(1)
    )
