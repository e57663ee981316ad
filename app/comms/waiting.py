"""What waits for one person across every incident: the "waiting for you" count in the
staff navigation and the list on the dashboard. An approver sees drafts waiting for an
approval they may give, and postmortems and maintenance notices sent for approval by
someone else; a lead (a set's author) sees drafts to fix and sets to publish."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.comms import rollcall
from app.comms.approval import Waiting, who_must_act
from app.comms.checks import ERROR
from app.comms.people import APPROVER_ROLES
from app.models import FactSheet, Incident, Maintenance, MaintenanceUpdate, RollCall, User
from core.db import db


@dataclass
class Task:
    sheet: FactSheet
    item: Waiting
    kind = "draft"


@dataclass
class TextTask:
    """A public text written outside the drafts that waits for an approver."""

    kind: str  # "postmortem" or "maintenance"
    title: str
    event_id: int  # the incident's or the maintenance window's id
    anchor: str
    what: str = "approve and publish"


@dataclass
class TeamTask:
    """A team reported its services affected in an incident the person runs."""

    call: RollCall
    kind = "team_affected"


def current_sheets() -> list[FactSheet]:
    """Each incident's set in progress: its newest unpublished set with a live draft,
    when no later set of the incident was published (an older set left behind is not
    work to do)."""
    rows = db.session.execute(
        select(FactSheet.incident_id, func.max(FactSheet.created_at))
        .where(FactSheet.published_at.is_not(None))
        .group_by(FactSheet.incident_id)
    )
    last_published = dict(rows.all())
    unpublished = db.session.scalars(
        select(FactSheet)
        .where(FactSheet.published_at.is_(None))
        .order_by(FactSheet.created_at.desc(), FactSheet.id.desc())
    )
    seen, found = set(), []
    for sheet in unpublished:
        if sheet.incident_id in seen:
            continue
        later = last_published.get(sheet.incident_id)
        if later is not None and later >= sheet.created_at:
            continue
        if any(d.state not in ("published", "discarded") for d in sheet.drafts):
            seen.add(sheet.incident_id)
            found.append(sheet)
    return found


def _may_do(item: Waiting) -> bool:
    # An approver cannot approve a draft with errors yet: its author moves first.
    if item.who == "approver" and item.draft is not None:
        return not any(f["severity"] == ERROR for f in item.draft.findings or [])
    return True


def waiting_for(user: User) -> list[Task | TextTask | TeamTask]:
    """Every move that is ``user``'s now: teams reporting affected services in the
    incidents they run, newest set first, then public texts."""
    teams: list[Task | TextTask | TeamTask] = [TeamTask(c) for c in rollcall.affected_for(user)]
    tasks: list[Task | TextTask | TeamTask] = [
        Task(sheet, item)
        for sheet in current_sheets()
        for item in who_must_act(sheet)
        if any(p.id == user.id for p in item.people) and _may_do(item)
    ]
    return teams + tasks + texts_to_approve(user)


def texts_to_approve(user: User) -> list[TextTask]:
    """Postmortems and maintenance notices sent for approval that ``user`` may approve
    (an approver who did not write them)."""
    if user.role not in APPROVER_ROLES:
        return []
    postmortems = db.session.scalars(
        select(Incident)
        .where(Incident.postmortem_submitted_at.is_not(None))
        .order_by(Incident.postmortem_submitted_at)
    )
    notices = db.session.execute(
        select(MaintenanceUpdate, Maintenance)
        .join(Maintenance, MaintenanceUpdate.maintenance_id == Maintenance.id)
        .where(MaintenanceUpdate.pending_body != "")
        .order_by(MaintenanceUpdate.created_at)
    )
    return [
        TextTask("postmortem", incident.name, incident.id, "postmortem-pending")
        for incident in postmortems
        if incident.postmortem_author_id != user.id
    ] + [
        TextTask("maintenance", window.name, window.id, f"pending-{update.public_id}")
        for update, window in notices
        if update.author_id != user.id
    ]
