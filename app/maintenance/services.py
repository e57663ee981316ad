"""Maintenance services: schedule, update, and advance windows at their times."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app.comms.approval import check_approver, public_text_needs_approval
from app.models import (
    Component,
    Maintenance,
    MaintenanceComponent,
    MaintenanceUpdate,
    User,
    utcnow,
)
from app.models.maintenance import REMINDER_BEFORE
from app.notifier.events import (
    MaintenanceApproved,
    MaintenanceDue,
    MaintenanceUpdated,
    TextAwaitsApproval,
)
from app.notifier.notifier import notify
from app.status.components import set_component_status
from app.status.version import bump_page_version
from app.textrules import check_single_line
from core import audit
from core.db import db
from core.errors import ServiceError
from core.vocab import MAINTENANCE_STATUS_LABELS, MAINTENANCE_STATUSES, VISIBILITIES

AUTO_MESSAGES = {
    "in_progress": "Scheduled maintenance is currently in progress. We will provide updates "
    "as necessary.",
    "completed": "The scheduled maintenance has been completed.",
}


def _validate_window(name: str, scheduled_for: datetime, scheduled_until: datetime) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("A maintenance window needs a name.", "name")
    if len(name) > 200:
        raise ServiceError("A maintenance name can be at most 200 characters.", "name")
    check_single_line(name, "A maintenance name", "name")
    if scheduled_for.tzinfo is None or scheduled_until.tzinfo is None:
        raise ServiceError("Times must carry a time zone.", "scheduled_for")
    if scheduled_until <= scheduled_for:
        raise ServiceError("The window must end after it starts.", "scheduled_until")
    if scheduled_until - scheduled_for > timedelta(days=14):
        raise ServiceError("A maintenance window can last at most 14 days.", "scheduled_until")
    return name


def schedule_maintenance(
    actor: User | None,
    name: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    components: list[Component],
    *,
    body: str,
    visibility: str = "public",
    auto_transition: bool = True,
    deliver_notifications: bool = True,
    allow_past: bool = False,
) -> Maintenance:
    """Schedule a window. With ``auto_transition`` it starts and completes by itself.
    ``allow_past`` records a window that already happened (demo data, imports)."""
    name = _validate_window(name, scheduled_for, scheduled_until)
    if visibility not in VISIBILITIES:
        raise ServiceError(f"Visibility must be one of {', '.join(VISIBILITIES)}.", "visibility")
    if not (body or "").strip():
        raise ServiceError("Say what the maintenance is for: it needs a message.", "body")
    if not components:
        raise ServiceError("Choose the components the maintenance affects.", "components")
    now = utcnow()
    if scheduled_until <= now and not allow_past:
        raise ServiceError("That window is already over.", "scheduled_until")
    # A person's public notice waits for an approver when customers' texts need one.
    pending = public_text_needs_approval(actor, visibility == "public")
    maintenance = Maintenance(
        awaiting_approval=pending,
        name=name,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        visibility=visibility,
        auto_transition=auto_transition,
        status="scheduled",
        created_by_id=actor.id if actor else None,
        created_at=min(now, scheduled_for - timedelta(days=2)) if allow_past else now,
    )
    db.session.add(maintenance)
    for component in components:
        db.session.add(MaintenanceComponent(maintenance=maintenance, component=component))
    first = MaintenanceUpdate(
        maintenance=maintenance,
        status="scheduled",
        body="" if pending else body.strip(),
        pending_body=body.strip() if pending else "",
        display_at=maintenance.created_at,
        created_at=maintenance.created_at,
        deliver_notifications=deliver_notifications,
        author_id=actor.id if actor else None,
        affected_components=[
            {
                "code": c.public_id,
                "name": c.name,
                "old_status": c.status,
                "new_status": c.status,
            }
            for c in components
        ],
    )
    db.session.add(first)
    db.session.flush()
    notify(MaintenanceUpdated(first))
    _ask_approval(first)
    audit.record(
        actor,
        "maintenance.schedule",
        maintenance,
        f"Scheduled {name} for {scheduled_for.isoformat()}"
        + (", its notice waiting for approval" if pending else ""),
    )
    bump_page_version()
    advance_maintenance(now)
    return maintenance


def post_maintenance_update(
    actor: User | None,
    maintenance: Maintenance,
    status: str,
    body: str,
    *,
    deliver_notifications: bool = True,
    at: datetime | None = None,
) -> MaintenanceUpdate:
    """Move a window to ``status`` with a message; components follow."""
    if status not in MAINTENANCE_STATUSES:
        raise ServiceError(f"Status must be one of {', '.join(MAINTENANCE_STATUSES)}.", "status")
    if not (body or "").strip():
        raise ServiceError("An update needs a message.", "body")
    if maintenance.status == "completed" and status != "completed":
        raise ServiceError(
            "This maintenance is completed; schedule a new window instead.", "status"
        )
    return _transition(
        actor, maintenance, status, body.strip(), at or utcnow(), deliver_notifications
    )


def _transition(
    actor: User | None,
    maintenance: Maintenance,
    status: str,
    body: str,
    at: datetime,
    deliver_notifications: bool,
    old: str | None = None,
) -> MaintenanceUpdate:
    old = old or maintenance.status
    maintenance.status = status
    changed = []
    if status in ("in_progress", "verifying"):
        maintenance.started_at = maintenance.started_at or at
        for component in maintenance.components:
            if component.status == "operational":
                set_component_status(
                    actor,
                    component,
                    "under_maintenance",
                    at=at,
                    note=f"maintenance: {maintenance.name}",
                )
                changed.append((component, "operational", "under_maintenance"))
    elif status == "completed":
        maintenance.completed_at = at
        for component in maintenance.components:
            if component.status == "under_maintenance" and not _held_by_other(
                maintenance, component
            ):
                set_component_status(
                    actor,
                    component,
                    "operational",
                    at=at,
                    note=f"maintenance over: {maintenance.name}",
                )
                changed.append((component, "under_maintenance", "operational"))
    # Herald's own words (the automatic steps) need no approval; a person's may.
    pending = public_text_needs_approval(actor, maintenance.visibility == "public")
    update = MaintenanceUpdate(
        maintenance=maintenance,
        status=status,
        body="" if pending else body,
        pending_body=body if pending else "",
        display_at=at,
        created_at=at,
        deliver_notifications=deliver_notifications,
        author_id=actor.id if actor else None,
        affected_components=[
            {"code": c.public_id, "name": c.name, "old_status": o, "new_status": n}
            for c, o, n in changed
        ],
    )
    db.session.add(update)
    db.session.flush()
    notify(MaintenanceUpdated(update))
    _ask_approval(update)
    audit.record(
        actor,
        "maintenance.update",
        maintenance,
        f"{maintenance.name}: {MAINTENANCE_STATUS_LABELS[old]} → "
        f"{MAINTENANCE_STATUS_LABELS[status]}",
        {"status": [old, status]},
    )
    bump_page_version()
    db.session.flush()
    return update


def _held_by_other(maintenance: Maintenance, component: Component) -> bool:
    return (
        db.session.scalar(
            select(Maintenance.id)
            .join(MaintenanceComponent)
            .where(
                MaintenanceComponent.component_id == component.id,
                Maintenance.id != maintenance.id,
                Maintenance.status.in_(("in_progress", "verifying")),
            )
            .limit(1)
        )
        is not None
    )


def advance_maintenance(now: datetime | None = None) -> list[MaintenanceUpdate]:
    """Start windows whose time has come and complete those that are over.

    Run by the worker every few seconds; the pages derive the same state from the clock
    until then (``app.status.maintenance_state``). Safe to run concurrently: each
    transition is a conditional change of the row's status.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(Maintenance)
        .where(
            Maintenance.auto_transition.is_(True),
            or_(
                (Maintenance.status == "scheduled") & (Maintenance.scheduled_for <= now),
                (Maintenance.status.in_(("in_progress", "verifying")))
                & (Maintenance.scheduled_until <= now),
            ),
        )
        .order_by(Maintenance.scheduled_for)
    ).all()
    updates = []
    for maintenance in due:
        steps = []
        if maintenance.status == "scheduled":
            steps.append(("scheduled", "in_progress", maintenance.scheduled_for))
        if maintenance.scheduled_until <= now:
            steps.append(
                (
                    steps[-1][1] if steps else maintenance.status,
                    "completed",
                    maintenance.scheduled_until,
                )
            )
        for index, (expected, status, at) in enumerate(steps):
            if not _claim(maintenance, expected, status):
                break  # another process moved it first
            # When a whole window passed unseen, only its end is worth notifying.
            notify = index == len(steps) - 1
            updates.append(
                _transition(None, maintenance, status, AUTO_MESSAGES[status], at, notify, expected)
            )
    return updates


def _claim(maintenance: Maintenance, expected: str, status: str) -> bool:
    """Move the row from ``expected`` to ``status`` only if nobody did it first."""
    result = db.session.execute(
        update(Maintenance)
        .where(Maintenance.id == maintenance.id, Maintenance.status == expected)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _ask_approval(update: MaintenanceUpdate) -> None:
    """A person's notice waiting for approval: the approvers are told (once per notice)."""
    if update.pending_body:
        maintenance = update.maintenance
        notify(
            TextAwaitsApproval(
                "maintenance notice",
                maintenance.name,
                f"/admin/maintenance/{maintenance.id}#pending-{update.public_id}",
                update.author_id,
                f"maintenance_update:{update.id}",
            )
        )


def edit_maintenance(actor: User | None, maintenance: Maintenance, **values) -> Maintenance:
    """Change name, window or visibility of a window that has not completed."""
    if maintenance.status == "completed":
        raise ServiceError("A completed maintenance cannot be edited.")
    name = _validate_window(
        values.get("name", maintenance.name),
        values.get("scheduled_for", maintenance.scheduled_for),
        values.get("scheduled_until", maintenance.scheduled_until),
    )
    values["name"] = name
    changes = audit.diff(maintenance, values)
    if "visibility" in changes and public_text_needs_approval(actor, maintenance.is_public):
        # Made public: what people wrote for staff goes public only once approved.
        for update in maintenance.updates:
            if update.body and update.author_id is not None:
                update.body, update.pending_body = "", update.body
        first = min(maintenance.updates, key=lambda u: (u.display_at, u.id))
        maintenance.awaiting_approval = bool(first.pending_body)
        for update in maintenance.updates:
            _ask_approval(update)
    if changes:
        audit.record(actor, "maintenance.edit", maintenance, f"Edited {name}", changes)
        bump_page_version()
        advance_maintenance()
    return maintenance


def delete_maintenance(actor: User | None, maintenance: Maintenance) -> None:
    """Delete a window (cancelled work). Components it holds return to operational."""
    if maintenance.is_active:
        _transition(actor, maintenance, "completed", "Maintenance cancelled.", utcnow(), False)
    audit.record(actor, "maintenance.delete", maintenance, f"Deleted {maintenance.name}")
    db.session.delete(maintenance)
    bump_page_version()


def send_maintenance_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of each public window starting within the hour (once each: the
    broadcast's source makes a second call a no-op)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Maintenance).where(
            Maintenance.status == "scheduled",
            Maintenance.scheduled_for > now,
            Maintenance.scheduled_for <= now + REMINDER_BEFORE,
        )
    ).all()
    return sum(1 for maintenance in due if notify(MaintenanceDue(maintenance)))


def approve_maintenance_update(actor: User, update: MaintenanceUpdate) -> MaintenanceUpdate:
    """An approver (not its author) signs off a maintenance text waiting for approval: it
    goes public, and the customers are told. Approving the window's first notice puts
    the window on the public page."""
    if not update.pending_body:
        raise ServiceError("This maintenance text is not waiting for approval.", "update")
    check_approver(actor, "this maintenance text", update.author_id)
    maintenance = update.maintenance
    update.body, update.pending_body = update.pending_body, ""
    update.approved_by_id, update.approved_at = actor.id, utcnow()
    first = min(maintenance.updates, key=lambda u: (u.display_at, u.id))
    maintenance.awaiting_approval = bool(first.pending_body)
    audit.record(
        actor,
        "maintenance.approve",
        maintenance,
        f"Approved the {MAINTENANCE_STATUS_LABELS[update.status].lower()} text of "
        f"{maintenance.name}",
    )
    bump_page_version()
    db.session.flush()
    notify(MaintenanceApproved(update))
    return update
