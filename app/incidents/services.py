"""Incident services, shared by the admin, the API, the CLI and the demo data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.comms import cadence
from app.models import Component, Incident, IncidentComponent, IncidentUpdate, User, utcnow
from app.notifier.events import IncidentDeclared, UpdatePublished
from app.notifier.notifier import is_news, notify
from app.status.components import set_component_status
from app.status.version import bump_page_version
from app.textrules import check_single_line
from core import audit
from core.db import db
from core.errors import ServiceError
from core.vocab import (
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT_STATUS_LABELS,
    INCIDENT_STATUSES,
    VISIBILITIES,
    worst_status,
)
from subscribers.audiences import get_audience

# A clock a little ahead of ours should not make a "now" start time look like the future.
FUTURE_TOLERANCE = timedelta(minutes=5)
STATUS_TIMESTAMPS = {
    "identified": "identified_at",
    "monitoring": "monitoring_at",
    "resolved": "resolved_at",
}


QUICK_PUBLIC = (
    "Customers need no approval: this message is published on the public page at once "
    "and sent to customer subscribers."
)
QUICK_NEEDS_APPROVAL = (
    "Customers need approval: this message goes to the internal page; use the composer "
    "for the public text."
)
QUICK_INTERNAL = "This incident is internal: this message goes to the internal page only."


@dataclass(frozen=True)
class QuickMessage:
    """Where a message staff write outside the communications workflow goes."""

    public: bool  # the public page's text, and a notice to customer subscribers
    reason: str  # "public", "needs_approval" or "internal_incident"
    note: str  # what to tell the person writing it


def quick_message(visibility: str) -> QuickMessage:
    """The policy for a "quick update": a message written by staff outside the
    communications workflow (the admin's declare, update and resolve forms, the API's
    declare). It goes public (the public text, and the customers' notice) only on a public
    incident whose ``customers`` audience needs no approval; otherwise it is the update's
    internal text (the internal page shows it) and nobody outside is told. Status and
    component changes apply at once either way. The workflow's approved texts are recorded
    with ``record_update`` instead (the workflow then tells the notifier itself)."""
    if visibility != "public":
        return QuickMessage(False, "internal_incident", QUICK_INTERNAL)
    if get_audience("customers").needs_approval:
        return QuickMessage(False, "needs_approval", QUICK_NEEDS_APPROVAL)
    return QuickMessage(True, "public", QUICK_PUBLIC)


def _texts(incident: Incident, body: str, internal_body: str, reviewed: bool) -> tuple[str, str]:
    """An update's (public text, internal text). An internal incident never has a public
    text; on a public one, ``body`` is public when the quick-update policy lets it go out,
    or when ``reviewed`` says it was approved elsewhere (history: demo data, imports)."""
    body, internal_body = (body or "").strip(), (internal_body or "").strip()
    if not body:
        return "", internal_body
    if incident.is_public and (reviewed or quick_message(incident.visibility).public):
        return body, internal_body
    return "", internal_body or body


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
        if old == status:
            continue  # no change to record: the timeline never says "x → x"
        affected.append(
            {
                "code": component.public_id,
                "name": component.name,
                "old_status": old,
                "new_status": status,
            }
        )
    return affected


def _add_update(
    actor,
    incident: Incident,
    status: str,
    public_text: str,
    internal_text: str,
    affected: list,
    deliver_notifications: bool,
    at: datetime,
) -> IncidentUpdate:
    """Write one timeline entry; the first public text announces the incident."""
    update = IncidentUpdate(
        incident=incident,
        status=status,
        body=public_text,
        internal_body=internal_text,
        affected_components=affected,
        deliver_notifications=deliver_notifications,
        author_id=actor.id if actor else None,
        display_at=at,
        created_at=at,
        updated_at=at,
    )
    db.session.add(update)
    if public_text and incident.announced_at is None:
        incident.announced_at = at
    db.session.flush()
    return update


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
    reviewed: bool = False,
) -> Incident:
    """Open an incident, with its first update when ``body`` is given. A public incident
    is listed on the public page at once (name, impact, status, components); its timeline
    there shows only public texts. ``body`` is a quick message (see ``quick_message``:
    public only when customers need no approval) unless ``reviewed`` says it is history
    approved elsewhere (demo data, imports). Without one, the workflow drafts the first
    update. A past ``started_at`` backfills the incident: the affected components' history
    is rewritten from that time."""
    now = utcnow()
    name = (name or "").strip()
    if not name:
        raise ServiceError("An incident needs a name.", "name")
    if len(name) > 200:
        raise ServiceError("An incident name can be at most 200 characters.", "name")
    check_single_line(name, "An incident name", "name")
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
    public_text, internal_text = _texts(incident, body, "", reviewed)
    first = None
    if public_text or internal_text:
        first = _add_update(
            actor,
            incident,
            status,
            public_text,
            internal_text,
            affected,
            deliver_notifications,
            started_at,
        )
    news = is_news(started_at)
    if news and actor is not None and actor.role in ("comms_lead", "admin"):
        incident.comms_lead_id = actor.id
    notify(IncidentDeclared(incident, first, deliver_notifications))
    if news and deliver_notifications:
        cadence.schedule_next(incident, started_at, None)
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
    reviewed: bool = False,
) -> IncidentUpdate:
    """A quick update: add it to the timeline, moving the incident to ``status``, and let
    the notifier tell whoever that calls for. ``body`` is public only as ``quick_message``
    allows (else it is kept as the internal text), or when ``reviewed`` says it is history
    that was approved elsewhere (demo data, imports). ``internal_body`` replaces it on the
    internal page. See ``record_update``."""
    public_text, internal_text = _texts(incident, body, internal_body, reviewed)
    update, was = record_update(
        actor,
        incident,
        status,
        public_text,
        internal_text,
        components,
        at=at,
        deliver_notifications=deliver_notifications,
    )
    notify(UpdatePublished(incident, update, was, published_by=actor))
    return update


def record_update(
    actor: User | None,
    incident: Incident,
    status: str,
    public_text: str,
    internal_text: str,
    components: dict[Component, str] | None = None,
    *,
    at: datetime | None = None,
    deliver_notifications: bool = True,
) -> tuple[IncidentUpdate, str]:
    """Add an update with these texts to the timeline, moving the incident to ``status``;
    returns it and the status the incident had. The caller has decided the texts and tells
    the notifier. An update with only an internal text is never shown publicly; the first
    public text announces the incident (``announced_at``). An internal incident never gets
    a public text.

    Resolving sets each affected component back to operational unless ``components`` says
    otherwise, or another unresolved incident still holds it (then it keeps that status).
    A "resolved" update on an incident already resolved is a note after resolution: it
    changes only the components ``components`` names and keeps the resolution time, and
    the notifier (which sees ``was`` == "resolved") tells no team again.
    """
    now = utcnow()
    _check(status, INCIDENT_STATUSES, "Status", "status")
    note_after_resolution = status == "resolved" and incident.status == "resolved"
    public_text = (public_text or "").strip() if incident.is_public else ""
    internal_text = (internal_text or "").strip()
    if not public_text and not internal_text:
        raise ServiceError("An update needs a message.", "body")
    components = dict(components or {})
    _check_statuses(components)
    at = at or now
    _check_time(at, now, incident.started_at)
    if status == "resolved" and not note_after_resolution:
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
    elif not note_after_resolution:
        incident.resolved_at = at
    update = _add_update(
        actor,
        incident,
        status,
        public_text,
        internal_text,
        affected,
        deliver_notifications,
        at,
    )
    if status == "resolved" or is_news(at):
        cadence.schedule_next(incident, at, None)
    summary = (
        f"{incident.name}: {INCIDENT_STATUS_LABELS[old_status]} → {INCIDENT_STATUS_LABELS[status]}"
    )
    audit.record(actor, "incident.update", incident, summary, {"status": [old_status, status]})
    bump_page_version()
    db.session.flush()
    return update, old_status


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
        if len(values["name"]) > 200:
            raise ServiceError("An incident name can be at most 200 characters.", "name")
        check_single_line(values["name"], "An incident name", "name")
    if "impact" in values:
        _check(values["impact"], IMPACTS, "Impact", "impact")
    if "visibility" in values:
        _check(values["visibility"], VISIBILITIES, "Visibility", "visibility")
    changes = audit.diff(incident, values)
    if "visibility" in changes and incident.is_public and incident.announced_at is None:
        # Made public before any public text was published for it: what its updates say
        # was written for staff, and stays on the internal page. The incident is announced
        # by its first public text (published through the workflow).
        for update in incident.updates:
            if update.body:
                update.internal_body = update.internal_body or update.body
                update.body = ""
    if changes:
        audit.record(actor, "incident.edit", incident, f"Edited {incident.name}", changes)
        bump_page_version()
    return incident


def delete_incident(actor: User | None, incident: Incident) -> None:
    """Delete an incident declared by mistake. Component statuses are left as they are."""
    audit.record(actor, "incident.delete", incident, f"Deleted incident {incident.name}")
    db.session.delete(incident)
    bump_page_version()
