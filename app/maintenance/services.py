"""Maintenance services: schedule, update, and advance windows at their times."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from app import audit
from app.errors import ServiceError
from app.extensions import db
from app.models import (
    Component,
    Maintenance,
    MaintenanceComponent,
    MaintenanceUpdate,
    User,
    utcnow,
)
from app.models.vocab import MAINTENANCE_STATUS_LABELS, MAINTENANCE_STATUSES, VISIBILITIES
from app.notify import announce_maintenance
from app.status.components import set_component_status
from app.status.version import bump_page_version
from app.textrules import check_single_line

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
    maintenance = Maintenance(
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
        body=body.strip(),
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
    announce_maintenance(first)
    audit.record(
        actor,
        "maintenance.schedule",
        maintenance,
        f"Scheduled {name} for {scheduled_for.isoformat()}",
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
    update = MaintenanceUpdate(
        maintenance=maintenance,
        status=status,
        body=body,
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
    announce_maintenance(update)
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

    Run by the worker every few seconds, and by a page read that finds a boundary has
    passed, so the page is right even when no worker runs. Safe to run concurrently: each
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


def next_maintenance_boundary(now: datetime) -> datetime | None:
    """The next time an automatic window starts or ends: the page cache expires then."""
    starts = db.session.scalar(
        select(Maintenance.scheduled_for)
        .where(
            Maintenance.auto_transition.is_(True),
            Maintenance.status == "scheduled",
            Maintenance.scheduled_for > now,
        )
        .order_by(Maintenance.scheduled_for)
        .limit(1)
    )
    ends = db.session.scalar(
        select(Maintenance.scheduled_until)
        .where(
            Maintenance.auto_transition.is_(True),
            Maintenance.status.in_(("scheduled", "in_progress", "verifying")),
            Maintenance.scheduled_until > now,
        )
        .order_by(Maintenance.scheduled_until)
        .limit(1)
    )
    candidates = [t for t in (starts, ends) if t is not None]
    return min(candidates) if candidates else None


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


REMINDER_BEFORE = timedelta(hours=1)


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
    queued = 0
    for maintenance in due:
        scheduled = next((u for u in maintenance.updates if u.status == "scheduled"), None)
        if scheduled is not None and announce_maintenance(scheduled, reminder=True) is not None:
            queued += 1
    return queued
