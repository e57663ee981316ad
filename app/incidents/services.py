"""Incident services, shared by the admin, the API, the CLI and the demo data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app import audit
from app.errors import ServiceError
from app.extensions import db
from app.models import Component, Incident, IncidentComponent, IncidentUpdate, User, utcnow
from app.models.vocab import (
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT_STATUS_LABELS,
    INCIDENT_STATUSES,
    VISIBILITIES,
    worst_status,
)
from app.notify import announce_incident_update
from app.status.components import set_component_status
from app.status.version import bump_page_version

# A clock a little ahead of ours should not make a "now" start time look like the future.
FUTURE_TOLERANCE = timedelta(minutes=5)
STATUS_TIMESTAMPS = {
    "identified": "identified_at",
    "monitoring": "monitoring_at",
    "resolved": "resolved_at",
}


def _check(value: str, choices: tuple[str, ...], what: str, field: str) -> None:
    if value not in choices:
        raise ServiceError(f"{what} must be one of {', '.join(choices)}; got {value!r}.", field)


def _check_time(at: datetime, now: datetime, not_before: datetime | None = None) -> None:
    if at.tzinfo is None:
        raise ServiceError("Times must carry a time zone.", "at")
    if at > now + FUTURE_TOLERANCE:
        raise ServiceError(
            "That time is in the future; incidents are recorded as they happen.", "at"
        )
    if not_before is not None and at < not_before:
        raise ServiceError("An update cannot be dated before the incident started.", "at")


def _check_statuses(components: dict[Component, str]) -> None:
    for component, status in components.items():
        if status not in COMPONENT_STATUSES:
            raise ServiceError(
                f"{status!r} is not a component status (for {component.name}).", "components"
            )


def _apply_components(
    actor: User | None, incident: Incident, components: dict[Component, str], at: datetime
) -> list[dict]:
    """Set component statuses for an incident; return Statuspage's affected_components."""
    links = {link.component_id: link for link in incident.affected}
    affected = []
    for component, status in components.items():
        old = component.status
        link = links.get(component.id)
        if link is None:
            link = IncidentComponent(incident=incident, component=component, status=status)
            db.session.add(link)
            links[component.id] = link
        link.status = status
        set_component_status(actor, component, status, at=at, note=f"incident: {incident.name}")
        affected.append(
            {
                "code": component.public_id,
                "name": component.name,
                "old_status": old,
                "new_status": status,
            }
        )
    return affected


def declare_incident(
    actor: User | None,
    name: str,
    impact: str,
    components: dict[Component, str],
    *,
    body: str = "",
    status: str = "investigating",
    visibility: str = "public",
    started_at: datetime | None = None,
    deliver_notifications: bool = True,
) -> Incident:
    """Open an incident, with its first update when ``body`` is given (without one, the
    communications workflow drafts the first update and the public page lists the
    incident once it is published). A past ``started_at`` backfills it: the affected
    components' history is rewritten from that time."""
    now = utcnow()
    name = (name or "").strip()
    if not name:
        raise ServiceError("An incident needs a name.", "name")
    if len(name) > 200:
        raise ServiceError("An incident name can be at most 200 characters.", "name")
    _check(impact, IMPACTS, "Impact", "impact")
    _check(visibility, VISIBILITIES, "Visibility", "visibility")
    _check(status, INCIDENT_STATUSES, "Status", "status")
    if status == "resolved":
        raise ServiceError(
            "A new incident cannot start resolved; declare it, then resolve it.", "status"
        )
    _check_statuses(components)
    started_at = started_at or now
    _check_time(started_at, now)
    incident = Incident(
        name=name,
        impact=impact,
        visibility=visibility,
        status=status,
        started_at=started_at,
        created_by_id=actor.id if actor else None,
        created_at=started_at,
        updated_at=started_at,
    )
    if status in STATUS_TIMESTAMPS:
        setattr(incident, STATUS_TIMESTAMPS[status], started_at)
    db.session.add(incident)
    db.session.flush()
    affected = _apply_components(actor, incident, components, started_at)
    if (body or "").strip():
        update = IncidentUpdate(
            incident=incident,
            status=status,
            body=body.strip(),
            affected_components=affected,
            deliver_notifications=deliver_notifications,
            author_id=actor.id if actor else None,
            display_at=started_at,
            created_at=started_at,
            updated_at=started_at,
        )
        db.session.add(update)
        if incident.is_public:
            incident.announced_at = started_at
        db.session.flush()
        announce_incident_update(update)
    from app.comms.lifecycle import on_declared

    on_declared(actor, incident, deliver_notifications)
    audit.record(
        actor, "incident.declare", incident, f"Declared {name} ({impact} impact, {visibility})"
    )
    bump_page_version()
    db.session.flush()
    return incident


def post_incident_update(
    actor: User | None,
    incident: Incident,
    status: str,
    body: str,
    components: dict[Component, str] | None = None,
    *,
    at: datetime | None = None,
    deliver_notifications: bool = True,
    internal_body: str = "",
) -> IncidentUpdate:
    """Add an update to the timeline, moving the incident to ``status``. ``body`` is the
    text the public page shows; ``internal_body`` (the engineering text) replaces it on
    the internal page. An update with only an internal text is never shown publicly, and
    the first public text announces a public incident.

    Resolving sets each affected component back to operational unless ``components`` says
    otherwise, or another unresolved incident still holds it (then it keeps that status).
    """
    now = utcnow()
    _check(status, INCIDENT_STATUSES, "Status", "status")
    if not (body or "").strip() and not (internal_body or "").strip():
        raise ServiceError("An update needs a message.", "body")
    components = dict(components or {})
    _check_statuses(components)
    at = at or now
    _check_time(at, now, incident.started_at)
    if status == "resolved":
        for link in incident.affected:
            if link.component not in components:
                components[link.component] = status_after_resolution(incident, link.component)
    affected = _apply_components(actor, incident, components, at)
    old_status = incident.status
    incident.status = status
    incident.updated_at = at
    if status in STATUS_TIMESTAMPS and getattr(incident, STATUS_TIMESTAMPS[status]) is None:
        setattr(incident, STATUS_TIMESTAMPS[status], at)
    if status != "resolved":
        incident.resolved_at = None
    else:
        incident.resolved_at = at
    update = IncidentUpdate(
        incident=incident,
        status=status,
        body=(body or "").strip(),
        internal_body=(internal_body or "").strip(),
        affected_components=affected,
        deliver_notifications=deliver_notifications,
        author_id=actor.id if actor else None,
        display_at=at,
        created_at=at,
        updated_at=at,
    )
    db.session.add(update)
    if incident.is_public and (body or "").strip() and incident.announced_at is None:
        incident.announced_at = at
    db.session.flush()
    announce_incident_update(update)
    from app.comms.lifecycle import on_update

    on_update(incident, update, old_status, deliver_notifications)
    summary = (
        f"{incident.name}: {INCIDENT_STATUS_LABELS[old_status]} → {INCIDENT_STATUS_LABELS[status]}"
    )
    audit.record(actor, "incident.update", incident, summary, {"status": [old_status, status]})
    bump_page_version()
    db.session.flush()
    return update


def status_after_resolution(incident: Incident, component: Component) -> str:
    """What a component returns to when ``incident`` resolves: operational, or the worst
    status another unresolved incident gives it."""
    others = db.session.scalars(
        select(IncidentComponent.status)
        .join(Incident)
        .where(
            IncidentComponent.component_id == component.id,
            Incident.id != incident.id,
            Incident.status != "resolved",
        )
    ).all()
    return worst_status(others)


def edit_incident(actor: User | None, incident: Incident, **values) -> Incident:
    """Change an incident's name, impact or visibility."""
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise ServiceError("An incident needs a name.", "name")
    if "impact" in values:
        _check(values["impact"], IMPACTS, "Impact", "impact")
    if "visibility" in values:
        _check(values["visibility"], VISIBILITIES, "Visibility", "visibility")
    changes = audit.diff(incident, values)
    if (
        "visibility" in changes
        and incident.is_public
        and incident.announced_at is None
        and any(u.body for u in incident.updates)
    ):
        # Made public with public texts already written: it is announced now.
        incident.announced_at = utcnow()
    if changes:
        audit.record(actor, "incident.edit", incident, f"Edited {incident.name}", changes)
        bump_page_version()
    return incident


def save_postmortem(actor: User | None, incident: Incident, body: str, publish: bool) -> Incident:
    """Write (and optionally publish) the postmortem; only a resolved incident has one."""
    if not incident.is_resolved:
        raise ServiceError("Resolve the incident before writing its postmortem.", "body")
    body = (body or "").strip()
    if publish and not body:
        raise ServiceError("An empty postmortem cannot be published.", "body")
    incident.postmortem_body = body
    was_published = incident.postmortem_published_at is not None
    if publish and not was_published:
        incident.postmortem_published_at = utcnow()
    elif not publish:
        incident.postmortem_published_at = None
    audit.record(
        actor,
        "incident.postmortem",
        incident,
        f"{'Published' if publish else 'Saved draft of'} postmortem for {incident.name}",
    )
    bump_page_version()
    return incident


def delete_incident(actor: User | None, incident: Incident) -> None:
    """Delete an incident declared by mistake. Component statuses are left as they are."""
    audit.record(actor, "incident.delete", incident, f"Deleted incident {incident.name}")
    db.session.delete(incident)
    bump_page_version()
