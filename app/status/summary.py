"""The one read model behind every page: the state of the page for an audience.

The public page, the internal page, the public JSON and the feeds are all built from a
``Summary`` so they never disagree, and one cache (``app.status.cache``) serves them all.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.models import (
    Component,
    ComponentGroup,
    ComponentSignal,
    Incident,
    IncidentComponent,
    Maintenance,
    PageState,
    utcnow,
)
from app.status.entries import ComponentEntry, GroupEntry, Summary, event_entry
from app.status.indicator import page_indicator
from app.status.maintenance_state import maintenance_clock
from app.status.statuspage import component_json, group_json, iso
from app.status.uptime import uptime_rows
from app.timeutil import day_start, local_day, page_zone
from core.db import db
from core.vocab import worst_status

AUDIENCES = ("public", "internal")
INTERNAL_REASON = "Affected by a problem in a system it depends on"
UPTIME_DAYS = 90
# While something is broken, today's uptime moves: rebuild at least this often.
DEGRADED_MAX_AGE = timedelta(seconds=60)


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


def public_reports(components: list[Component]) -> dict[int, list[tuple[str, str]]]:
    """What public signals (vendors) say of each component, oldest first: shown as
    "Reported by <vendor>" with the vendor's incident link, unless staff hold the
    component's status by hand."""
    ids = [c.id for c in components if not c.signal_held and c.signal_status != "operational"]
    if not ids:
        return {}
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = db.session.scalars(
        select(ComponentSignal)
        .where(ComponentSignal.component_id.in_(ids), ComponentSignal.public.is_(True))
        .order_by(ComponentSignal.since)
    )
    for row in rows:
        link = row.link if row.link.lower().startswith(("https://", "http://")) else ""
        found[row.component_id].append((row.reason, link))
    return found


def build_summary(audience: str, now: datetime | None = None) -> Summary:
    """Build the page's state for ``audience`` ("public" or "internal") at ``now``.

    Maintenance windows and their components show the state the clock gives them (see
    ``app.status.maintenance_state``): a read writes nothing, and the page is right
    before the worker commits a window's start or end."""
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
    clock = maintenance_clock(now)
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
    reports = public_reports(components)
    entries: list[ComponentEntry] = []
    component_dicts: dict[int, dict] = {}
    for c in components:
        group = groups.get(c.group_id)
        data = component_json(c, page_id, zone, group.public_id if group else None)
        status, reason = clock.status(c), clock.reason(c)
        data["status"] = status
        component_dicts[c.id] = data
        entries.append(
            ComponentEntry(
                id=c.id,
                public_id=c.public_id,
                name=c.name,
                description=c.description,
                status=status,
                own_status=clock.own_status(c),
                reason=INTERNAL_REASON if any(name in reason for name in hidden_names) else reason,
                tier=c.tier,
                team=c.team.name if c.team else "",
                visibility=c.visibility,
                hidden=c.only_show_if_degraded and status == "operational",
                uptime=bars.get(c.id),
                json=data,
                reported=reports.get(c.id, []),
            )
        )

    by_id = {c.id: c for c in components}
    group_entries, items = grouped(entries, by_id, groups, page_id, zone)

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
        maintenance_query = maintenance_query.where(Maintenance.shown_publicly())
    internal = audience == "internal"
    incidents = [
        event_entry(i, zone, page_id, public_url, component_dicts, now, internal)
        for i in db.session.scalars(incident_query)
    ]
    maintenances = [
        event_entry(m, zone, page_id, public_url, component_dicts, now, internal)
        for m in db.session.scalars(maintenance_query)
    ]
    # A window the clock completed is no longer listed, even before the worker's commit.
    active = [m for m in maintenances if m.status in ("in_progress", "verifying")]
    upcoming = [m for m in maintenances if m.status == "scheduled"]

    indicator, description = page_indicator(
        (e.status for e in entries),
        (i.indicator_impact or i.impact for i in incidents),
        bool(active),
    )

    valid_until = day_start(local_day(now, zone) + timedelta(days=1), zone)
    if any(e.status != "operational" for e in entries):
        valid_until = min(valid_until, now + DEGRADED_MAX_AGE)
    for m in maintenances:
        for boundary in (m.scheduled_for, m.scheduled_until):
            if boundary and boundary > now:
                valid_until = min(valid_until, boundary)
    # Any window's start or end (an internal one's too) may change the components shown.
    if clock.next_boundary is not None:
        valid_until = min(valid_until, clock.next_boundary)

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
        items=items,
        components=entries,
        groups=group_entries,
        incidents=incidents,
        maintenance_active=active,
        maintenance_upcoming=upcoming,
    )


def grouped(
    entries: list[ComponentEntry], by_id: dict, groups: dict, page_id: str, zone
) -> tuple[list[GroupEntry], list]:
    """The page's groups (each with its members' worst status) and its items in page
    order: groups and ungrouped components by position, then name."""
    members: dict[int, list[ComponentEntry]] = defaultdict(list)
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
    return group_entries, [item for _, _, item in top]
