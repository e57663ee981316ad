"""Reads behind pages beyond the summary: history by month, one incident, recent lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.maintenance.services import advance_maintenance
from app.models import (
    Component,
    Incident,
    IncidentComponent,
    Maintenance,
    MaintenanceComponent,
    PageState,
    utcnow,
)
from app.status.statuspage import component_json
from app.status.summary import (
    EventEntry,
    Summary,
    build_summary,
    event_entry,
    visible_components,
)
from app.timeutil import day_start, human_duration, local_day, page_zone


def advance_due_maintenance() -> None:
    """The check-on-read: move maintenance windows whose time has come, so the page is
    right even when no worker runs. A busy database only delays this to the next read."""
    try:
        if advance_maintenance(utcnow()):
            db.session.commit()
    except OperationalError:
        db.session.rollback()


def current_summary(audience: str) -> Summary:
    """The summary for ``audience``, built once per content version and shared by the
    page, the JSON and the feeds of this process."""
    from app.status.cache import page_cache

    def build() -> Summary:
        advance_due_maintenance()
        return build_summary(audience)

    return page_cache().memo(f"summary:{audience}", build, lambda s: s.valid_until.timestamp())


def component_dicts(audience: str) -> dict[int, dict]:
    zone, page_id = page_zone(), current_app.config["PAGE_ID"]
    return {
        c.id: component_json(c, page_id, zone, c.group.public_id if c.group else None)
        for c in visible_components(audience)
    }


def _incident_query(audience: str):
    query = select(Incident).options(
        selectinload(Incident.updates),
        selectinload(Incident.affected).selectinload(IncidentComponent.component),
    )
    if audience == "public":
        query = query.where(Incident.visibility == "public")
    return query


def _maintenance_query(audience: str):
    query = select(Maintenance).options(
        selectinload(Maintenance.updates),
        selectinload(Maintenance.affected).selectinload(MaintenanceComponent.component),
    )
    if audience == "public":
        query = query.where(Maintenance.visibility == "public")
    return query


def _entries(events, audience: str) -> list[EventEntry]:
    config = current_app.config
    dicts = component_dicts(audience)
    zone = page_zone()
    return [
        event_entry(e, zone, config["PAGE_ID"], config["PUBLIC_URL"], dicts, audience == "internal")
        for e in events
    ]


def recent_incidents(audience: str, limit: int = 50, unresolved: bool = False) -> list[EventEntry]:
    query = _incident_query(audience).order_by(Incident.started_at.desc()).limit(limit)
    if unresolved:
        query = query.where(Incident.status != "resolved")
    return _entries(db.session.scalars(query), audience)


def recent_maintenance(
    audience: str, limit: int = 50, statuses: tuple[str, ...] = ()
) -> list[EventEntry]:
    query = _maintenance_query(audience).order_by(Maintenance.scheduled_for.desc()).limit(limit)
    if statuses:
        query = (
            query.where(Maintenance.status.in_(statuses))
            .order_by(None)
            .order_by(Maintenance.scheduled_for)
        )
    return _entries(db.session.scalars(query), audience)


@dataclass
class Month:
    label: str
    first: date
    events: list[EventEntry]


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def history_months(audience: str, page: int, size: int) -> list[Month]:
    """``size`` calendar months of past incidents and maintenance, newest first; page 1
    holds the current month."""
    zone = page_zone()
    today = local_day(utcnow(), zone)
    firsts = [_month_start(today, (page - 1) * size + i) for i in range(size)]
    end = day_start(_month_start(firsts[0], -1), zone)  # the start of the next month
    start = day_start(firsts[-1], zone)
    incidents = db.session.scalars(
        _incident_query(audience)
        .where(Incident.started_at >= start, Incident.started_at < end)
        .order_by(Incident.started_at.desc())
    ).all()
    maintenances = db.session.scalars(
        _maintenance_query(audience)
        .where(
            Maintenance.status == "completed",
            Maintenance.scheduled_for >= start,
            Maintenance.scheduled_for < end,
        )
        .order_by(Maintenance.scheduled_for.desc())
    ).all()
    entries = _entries(incidents, audience) + _entries(maintenances, audience)
    months = [Month(f"{first:%B %Y}", first, []) for first in firsts]
    for entry in entries:
        moment = entry.started_at or entry.scheduled_for
        local = local_day(moment, zone)
        for month in months:
            if (local.year, local.month) == (month.first.year, month.first.month):
                month.events.append(entry)
                break
    for month in months:
        month.events.sort(key=lambda e: e.started_at or e.scheduled_for, reverse=True)
    return months


def oldest_event_start(audience: str) -> datetime | None:
    """The start of the oldest event history lists: an incident or a completed window."""
    query = select(Incident.started_at).order_by(Incident.started_at).limit(1)
    windows = (
        select(Maintenance.scheduled_for)
        .where(Maintenance.status == "completed")
        .order_by(Maintenance.scheduled_for)
        .limit(1)
    )
    if audience == "public":
        query = query.where(Incident.visibility == "public")
        windows = windows.where(Maintenance.visibility == "public")
    found = [t for t in (db.session.scalar(query), db.session.scalar(windows)) if t is not None]
    return min(found, default=None)


@dataclass
class IncidentDetail:
    entry: EventEntry
    incident: Incident | Maintenance
    duration: str
    affected: list[tuple[str, str]]  # (component name, status the incident gave it)


def event_detail(audience: str, kind: str, public_id: str) -> IncidentDetail | None:
    """One incident or maintenance as its page shows it; None if not visible."""
    model, query = (
        (Incident, _incident_query(audience))
        if kind == "incident"
        else (Maintenance, _maintenance_query(audience))
    )
    event = db.session.scalar(query.where(model.public_id == public_id))
    if event is None:
        return None
    entry = _entries([event], audience)[0]
    if kind == "incident":
        start, end = event.started_at, event.resolved_at
    else:
        start, end = event.started_at or event.scheduled_for, event.completed_at
    if kind == "maintenance" and event.status == "scheduled":
        planned = (event.scheduled_until - event.scheduled_for).total_seconds()
        duration = f"planned for {human_duration(planned)}"
    elif end is None:
        duration = f"ongoing for {human_duration((utcnow() - start).total_seconds())}"
    else:
        duration = f"lasted {human_duration((end - start).total_seconds())}"
    shown = {c.name for c in visible_components(audience)}
    # A maintenance window's components are under maintenance only while it runs; before
    # and after, the page names them without a status.
    running = kind == "incident" or event.status in ("in_progress", "verifying")
    affected = [
        (link.component.name, getattr(link, "status", "under_maintenance") if running else None)
        for link in event.affected
        if link.component.name in shown
    ]
    return IncidentDetail(entry, event, duration, affected)


@dataclass
class FeedEvent:
    """One incident or maintenance window as the feeds show it."""

    entry: EventEntry
    published: datetime  # when it was first announced
    updated: datetime  # its latest update or edit


def page_updated_at() -> datetime | None:
    """When anything the pages show last changed (None before anything was written)."""
    state = db.session.get(PageState, 1)
    return state.updated_at if state else None


def visible_component(audience: str, public_id: str) -> Component | None:
    """The component with ``public_id`` if the audience may see it, else None."""
    query = select(Component).where(Component.public_id == public_id)
    if audience == "public":
        query = query.where(Component.visibility == "public")
    return db.session.scalar(query)


def feed_events(audience: str, limit: int = 50, component_id: int | None = None) -> list[FeedEvent]:
    """The latest ``limit`` incidents and maintenance windows together, most recently
    announced first (a window counts from when it was scheduled, not when it starts).

    With ``component_id``, only events that name that component directly: an incident on
    a component it depends on is left out, as on Statuspage's per-component feeds."""
    incidents = _incident_query(audience).order_by(Incident.created_at.desc(), Incident.id.desc())
    windows = _maintenance_query(audience).order_by(
        Maintenance.created_at.desc(), Maintenance.id.desc()
    )
    if component_id is not None:
        incidents = incidents.where(
            Incident.affected.any(IncidentComponent.component_id == component_id)
        )
        windows = windows.where(
            Maintenance.affected.any(MaintenanceComponent.component_id == component_id)
        )
    events = [
        *db.session.scalars(incidents.limit(limit)),
        *db.session.scalars(windows.limit(limit)),
    ]
    events.sort(key=lambda e: (e.created_at, e.id), reverse=True)
    events = events[:limit]
    found = []
    for event, entry in zip(events, _entries(events, audience), strict=True):
        latest = max((u.display_at for u in event.updates), default=event.created_at)
        found.append(FeedEvent(entry, event.created_at, max(latest, event.updated_at)))
    return found
