"""The one read model behind every page: the state of the page for an audience.

The public page, the internal page, the public JSON and the feeds are all built from a
``Summary`` so they never disagree, and one cache (``app.status.cache``) serves them all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.markdown import render_markdown
from app.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentComponent,
    Maintenance,
    PageState,
    utcnow,
)
from app.models.vocab import (
    IMPACT_SEVERITY,
    INCIDENT_STATUS_LABELS,
    MAINTENANCE_STATUS_LABELS,
    STATUS_LABELS,
    worst_status,
)
from app.status.statuspage import component_json, group_json, incident_json, iso
from app.status.uptime import UptimeRow, uptime_rows
from app.timeutil import day_start, local_day, page_zone

AUDIENCES = ("public", "internal")
INTERNAL_REASON = "Affected by a problem in a system it depends on"
UPTIME_DAYS = 90
# While something is broken, today's uptime moves: rebuild at least this often.
DEGRADED_MAX_AGE = timedelta(seconds=60)

INDICATOR_BY_STATUS = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
INDICATOR_BY_IMPACT = {"none": "none", "minor": "minor", "major": "major", "critical": "critical"}
INDICATOR_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


@dataclass
class ComponentEntry:
    id: int
    public_id: str
    name: str
    description: str
    status: str
    own_status: str
    reason: str
    tier: str
    team: str
    visibility: str
    hidden: bool
    uptime: UptimeRow | None
    json: dict

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    is_group = False


@dataclass
class GroupEntry:
    public_id: str
    name: str
    description: str
    status: str
    components: list[ComponentEntry]
    json: dict

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def shown_components(self) -> list[ComponentEntry]:
        return [c for c in self.components if not c.hidden]

    is_group = True


@dataclass
class TimelineEntry:
    status: str
    status_label: str
    body_html: str
    at: datetime
    at_text: str
    at_iso: str


@dataclass
class EventEntry:
    kind: str  # incident or maintenance
    public_id: str
    name: str
    status: str
    status_label: str
    impact: str
    url: str
    visibility: str
    started_at: datetime | None
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    window_text: str
    component_names: list[str]
    updates: list[TimelineEntry]
    json: dict


@dataclass
class Summary:
    audience: str
    version: int
    built_at: datetime
    valid_until: datetime
    updated_at: datetime
    page: dict
    indicator: str
    description: str
    items: list  # groups and ungrouped components, in page order
    components: list[ComponentEntry]
    groups: list[GroupEntry]
    incidents: list[EventEntry]
    maintenance_active: list[EventEntry]
    maintenance_upcoming: list[EventEntry]
    extra: dict = field(default_factory=dict)

    @property
    def status_json(self) -> dict:
        return {"indicator": self.indicator, "description": self.description}


def format_time(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local:%-d %b %Y, %H:%M} {local.tzname()}"


def format_window(start: datetime, end: datetime, zone) -> str:
    a, b = start.astimezone(zone), end.astimezone(zone)
    if a.date() == b.date():
        return f"{a:%-d %b %Y, %H:%M} – {b:%H:%M} {b.tzname()}"
    return f"{a:%-d %b %Y, %H:%M} – {b:%-d %b %Y, %H:%M} {b.tzname()}"


def _timeline(event, zone, labels: dict[str, str], internal: bool) -> list[TimelineEntry]:
    """The updates, newest first; the internal page shows the engineering text."""
    return [
        TimelineEntry(
            status=u.status,
            status_label=labels[u.status],
            body_html=render_markdown(
                getattr(u, "internal_body", "")
                if internal and getattr(u, "internal_body", "")
                else u.body
            ),
            at=u.display_at,
            at_text=format_time(u.display_at, zone),
            at_iso=iso(u.display_at, zone),
        )
        for u in event.updates
        if u.body or internal  # an update with only an internal text stays internal
    ]


def event_entry(
    event: Incident | Maintenance,
    zone,
    page_id: str,
    public_url: str,
    component_dicts: dict[int, dict],
    internal: bool = False,
) -> EventEntry:
    """The page's view of one incident or maintenance window."""
    is_maintenance = isinstance(event, Maintenance)
    labels = MAINTENANCE_STATUS_LABELS if is_maintenance else INCIDENT_STATUS_LABELS
    names = [link.component.name for link in event.affected if link.component_id in component_dicts]
    return EventEntry(
        kind="maintenance" if is_maintenance else "incident",
        public_id=event.public_id,
        name=event.name,
        status=event.status,
        status_label=labels[event.status],
        impact="maintenance" if is_maintenance else event.impact,
        url=f"/{'maintenance' if is_maintenance else 'incidents'}/{event.public_id}",
        visibility=event.visibility,
        started_at=event.started_at,
        scheduled_for=getattr(event, "scheduled_for", None),
        scheduled_until=getattr(event, "scheduled_until", None),
        window_text=format_window(event.scheduled_for, event.scheduled_until, zone)
        if is_maintenance
        else "",
        component_names=names,
        updates=_timeline(event, zone, labels, internal),
        json=incident_json(event, page_id, zone, public_url, component_dicts, internal),
    )


def visible_components(audience: str) -> list[Component]:
    query = select(Component).options(selectinload(Component.team))
    if audience == "public":
        query = query.where(Component.visibility == "public")
    return list(db.session.scalars(query.order_by(Component.position, Component.name)))


def incidents_by_day(
    audience: str, since: datetime, now: datetime, zone
) -> dict[tuple[int, date], list[tuple[str, str]]]:
    """Map (component id, day) to the incidents that touched it that day."""
    query = (
        select(
            Incident.public_id,
            Incident.name,
            Incident.started_at,
            Incident.resolved_at,
            IncidentComponent.component_id,
        )
        .join(IncidentComponent, IncidentComponent.incident_id == Incident.id)
        .where(or_(Incident.resolved_at.is_(None), Incident.resolved_at >= since))
        .order_by(Incident.started_at)
    )
    if audience == "public":
        query = query.where(Incident.visibility == "public")
    found: dict[tuple[int, date], list[tuple[str, str]]] = defaultdict(list)
    for public_id, name, started, resolved, component_id in db.session.execute(query):
        day = local_day(max(started, since), zone)
        last = local_day(resolved or now, zone)
        while day <= last:
            found[(component_id, day)].append((name, f"/incidents/{public_id}"))
            day += timedelta(days=1)
    return found


def build_summary(audience: str, now: datetime | None = None) -> Summary:
    """Build the page's state for ``audience`` ("public" or "internal")."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    config = current_app.config
    now = now or utcnow()
    zone = page_zone()
    page_id, public_url = config["PAGE_ID"], config["PUBLIC_URL"]
    state = db.session.get(PageState, 1)
    version = state.version if state else 0
    updated_at = state.updated_at if state else now

    components = visible_components(audience)
    # A reason naming a component the reader cannot see would leak it: say less.
    hidden_names = (
        set(db.session.scalars(select(Component.name).where(Component.visibility != "public")))
        if audience == "public"
        else set()
    )
    first_day = local_day(now, zone) - timedelta(days=UPTIME_DAYS - 1)
    since = day_start(first_day, zone)
    bars = uptime_rows(
        [c for c in components if c.showcase or audience == "internal"],
        incidents_by_day(audience, since, now, zone),
        now,
        zone,
        config["UPTIME_WEIGHTS"],
        UPTIME_DAYS,
    )
    groups = {g.id: g for g in db.session.scalars(select(ComponentGroup))}
    entries: list[ComponentEntry] = []
    component_dicts: dict[int, dict] = {}
    for c in components:
        group = groups.get(c.group_id)
        data = component_json(c, page_id, zone, group.public_id if group else None)
        component_dicts[c.id] = data
        entries.append(
            ComponentEntry(
                id=c.id,
                public_id=c.public_id,
                name=c.name,
                description=c.description,
                status=c.effective_status,
                own_status=c.status,
                reason=INTERNAL_REASON
                if any(name in c.effective_reason for name in hidden_names)
                else c.effective_reason,
                tier=c.tier,
                team=c.team.name if c.team else "",
                visibility=c.visibility,
                hidden=c.only_show_if_degraded and c.effective_status == "operational",
                uptime=bars.get(c.id),
                json=data,
            )
        )

    members: dict[int, list[ComponentEntry]] = defaultdict(list)
    by_id = {c.id: c for c in components}
    top: list[tuple[int, str, object]] = []
    for entry in entries:
        group_id = by_id[entry.id].group_id
        if group_id in groups:
            members[group_id].append(entry)
        else:
            top.append((by_id[entry.id].position, entry.name, entry))
    group_entries = []
    for group_id, group_members in members.items():
        group = groups[group_id]
        status = worst_status(m.status for m in group_members)
        latest = max(by_id[m.id].status_changed_at for m in group_members)
        entry = GroupEntry(
            public_id=group.public_id,
            name=group.name,
            description=group.description,
            status=status,
            components=group_members,
            json=group_json(
                group, status, [m.public_id for m in group_members], page_id, zone, latest
            ),
        )
        group_entries.append(entry)
        top.append((group.position, group.name, entry))
    top.sort(key=lambda item: (item[0], item[1]))

    incident_query = (
        select(Incident)
        .where(Incident.status != "resolved")
        .options(
            selectinload(Incident.updates),
            selectinload(Incident.affected).selectinload(IncidentComponent.component),
        )
        .order_by(Incident.started_at.desc())
    )
    maintenance_query = (
        select(Maintenance)
        .where(Maintenance.status != "completed")
        .options(selectinload(Maintenance.updates), selectinload(Maintenance.affected))
        .order_by(Maintenance.scheduled_for)
    )
    if audience == "public":
        # Listed as soon as declared; its timeline shows only the public texts.
        incident_query = incident_query.where(Incident.visibility == "public")
        maintenance_query = maintenance_query.where(Maintenance.visibility == "public")
    incidents = [
        event_entry(i, zone, page_id, public_url, component_dicts, audience == "internal")
        for i in db.session.scalars(incident_query)
    ]
    maintenances = [
        event_entry(m, zone, page_id, public_url, component_dicts, audience == "internal")
        for m in db.session.scalars(maintenance_query)
    ]
    active = [m for m in maintenances if m.status in ("in_progress", "verifying")]
    upcoming = [m for m in maintenances if m.status == "scheduled"]

    indicator = "none"
    from_incident = False
    for entry in entries:
        candidate = INDICATOR_BY_STATUS[entry.status]
        if INDICATOR_RANK[candidate] > INDICATOR_RANK[indicator]:
            indicator = candidate
    for incident in incidents:
        candidate = INDICATOR_BY_IMPACT[incident.impact]
        if INDICATOR_RANK[candidate] >= INDICATOR_RANK[indicator] and candidate != "none":
            indicator, from_incident = candidate, True
    if active and indicator == "none":
        indicator = "maintenance"
    description = DESCRIPTIONS[indicator]
    if indicator == "minor" and not from_incident:
        description = "Partially Degraded Service"

    valid_until = day_start(local_day(now, zone) + timedelta(days=1), zone)
    if any(e.status != "operational" for e in entries):
        valid_until = min(valid_until, now + DEGRADED_MAX_AGE)
    for m in maintenances:
        for boundary in (m.scheduled_for, m.scheduled_until):
            if boundary and boundary > now:
                valid_until = min(valid_until, boundary)

    page = {
        "id": page_id,
        "name": config["PAGE_NAME"],
        "url": public_url,
        "time_zone": config["TIME_ZONE"],
        "updated_at": iso(updated_at, zone),
    }
    return Summary(
        audience=audience,
        version=version,
        built_at=now,
        valid_until=valid_until,
        updated_at=updated_at,
        page=page,
        indicator=indicator,
        description=description,
        items=[item for _, _, item in top],
        components=entries,
        groups=group_entries,
        incidents=incidents,
        maintenance_active=active,
        maintenance_upcoming=upcoming,
    )


def summary_json(summary: Summary) -> dict:
    """Statuspage's /api/v2/summary.json."""
    return {
        "page": summary.page,
        "components": components_json(summary),
        "incidents": [i.json for i in summary.incidents],
        "scheduled_maintenances": [
            m.json for m in summary.maintenance_active + summary.maintenance_upcoming
        ],
        "status": summary.status_json,
    }


def components_json(summary: Summary) -> list[dict]:
    """Components and groups, ordered as on the page (Statuspage lists both)."""
    result = []
    for item in summary.items:
        result.append(item.json)
        if item.is_group:
            result.extend(c.json for c in item.components)
    return result


def incident_rank(entry: EventEntry) -> int:
    return IMPACT_SEVERITY.get(entry.impact, 0)
