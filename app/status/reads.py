"""Reads behind pages beyond the summary: history by month, one incident, recent lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.models import (
    Component,
    Incident,
    IncidentComponent,
    Maintenance,
    MaintenanceComponent,
    PageState,
    utcnow,
)
from app.status.cache import page_cache
from app.status.entries import EventEntry, Summary, event_entry
from app.status.maintenance_state import (
    completed_by,
    effective_window_times,
    maintenance_clock,
    maintenance_steps,
)
from app.status.stated import recovered_since_stated, worse_than_stated
from app.status.statuspage import component_json
from app.status.summary import build_summary, visible_components
from app.timeutil import day_start, human_duration, local_day, page_zone
from core.db import db
from core.vocab import DEFAULT_LANGUAGE, STATUS_LABELS


def current_summary(audience: str) -> Summary:
    """The summary for ``audience``, built once per content version and shared by the
    page, the JSON and the feeds of this process. It expires at the next maintenance
    boundary, when the clock moves a window (the worker commits that move)."""
    # One summary serves every language (and the JSON): built in English, whoever asks
    # first; the pages put its words in the reader's language when they render.
    return page_cache().memo(
        f"summary:{audience}", lambda: _in_english(audience), lambda s: s.valid_until.timestamp()
    )


def _in_english(audience: str) -> Summary:
    with force_locale(DEFAULT_LANGUAGE):
        return build_summary(audience)


def component_dicts(audience: str, now: datetime | None = None) -> dict[int, dict]:
    """Each visible component's JSON, its status as the maintenance clock has it."""
    zone, page_id = page_zone(), current_app.config["PAGE_ID"]
    clock = maintenance_clock(now or utcnow())
    found = {}
    for c in visible_components(audience):
        data = component_json(c, page_id, zone, c.group.public_id if c.group else None)
        data["status"] = clock.status(c)
        found[c.id] = data
    return found


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
        query = query.where(Maintenance.shown_publicly())
    return query


def _entries(events, audience: str, now: datetime) -> list[EventEntry]:
    config = current_app.config
    dicts = component_dicts(audience, now)
    zone, page_id, public_url = page_zone(), config["PAGE_ID"], config["PUBLIC_URL"]
    return [
        event_entry(e, zone, page_id, public_url, dicts, now, audience == "internal")
        for e in events
    ]


def recent_incidents(audience: str, limit: int = 50, unresolved: bool = False) -> list[EventEntry]:
    query = _incident_query(audience).order_by(Incident.started_at.desc()).limit(limit)
    if unresolved:
        query = query.where(Incident.status != "resolved")
    return _entries(db.session.scalars(query), audience, utcnow())


def recent_maintenance(audience: str, limit: int = 50) -> list[EventEntry]:
    query = _maintenance_query(audience).order_by(Maintenance.scheduled_for.desc()).limit(limit)
    return _entries(db.session.scalars(query), audience, utcnow())


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
    zone, now = page_zone(), utcnow()
    today = local_day(now, zone)
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
            completed_by(now),
            Maintenance.scheduled_for >= start,
            Maintenance.scheduled_for < end,
        )
        .order_by(Maintenance.scheduled_for.desc())
    ).all()
    entries = _entries(incidents, audience, now) + _entries(maintenances, audience, now)
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
        .where(completed_by(utcnow()))
        .order_by(Maintenance.scheduled_for)
        .limit(1)
    )
    if audience == "public":
        query = query.where(Incident.visibility == "public")
        windows = windows.where(Maintenance.shown_publicly())
    found = [t for t in (db.session.scalar(query), db.session.scalar(windows)) if t is not None]
    return min(found, default=None)


@dataclass
class IncidentDetail:
    entry: EventEntry
    incident: Incident | Maintenance
    duration: str
    # (component name, status shown, why it is not the status the incident gave it):
    # a component a signal holds worse than the incident states shows its present status.
    affected: list[tuple[str, str | None, str]]
    # When ``duration`` ("ongoing for 5 min") next changes; None when it does not.
    changes_at: datetime | None = None


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
    now = utcnow()
    entry = _entries([event], audience, now)[0]
    if kind == "incident":
        start, end = event.started_at, event.resolved_at
    else:
        started, end = effective_window_times(event, now)
        start = started or event.scheduled_for
    changes_at = None
    if kind == "maintenance" and entry.status == "scheduled":
        planned = (event.scheduled_until - event.scheduled_for).total_seconds()
        duration = gettext("planned for %(duration)s", duration=human_duration(planned))
    elif end is None:
        duration, changes_at = ongoing_for(start, now)
    else:
        duration = gettext(
            "lasted %(duration)s", duration=human_duration((end - start).total_seconds())
        )
    shown = {c.name for c in visible_components(audience)}
    # A maintenance window's components are under maintenance only while it runs; before
    # and after, the page names them without a status.
    running = kind == "incident" or entry.status in ("in_progress", "verifying")
    behind = {w.component.id: w for w in worse_than_stated(event)} if kind == "incident" else {}
    affected = []
    for link in event.affected:
        if link.component.name not in shown:
            continue
        worse = behind.get(link.component_id)
        if worse is not None:
            why = worse.internal_reason if audience == "internal" else worse.public_reason
            affected.append((link.component.name, worse.present, why))
        elif kind == "incident" and recovered_since_stated(event, link):
            # Better now than the incident states (the alert behind it cleared, staff set
            # it by hand): the present status, as every other screen shows it (found by a
            # new user: "Payouts ✕ Major outage" here, Operational everywhere else).
            why = (
                f"the incident states {STATUS_LABELS[link.status].lower()}"
                if audience == "internal"
                else gettext("its status now")
            )
            affected.append((link.component.name, link.component.status, why))
        else:
            status = getattr(link, "status", "under_maintenance") if running else None
            affected.append((link.component.name, status, ""))
    return IncidentDetail(entry, event, duration, affected, changes_at)


def ongoing_for(start: datetime, now: datetime) -> tuple[str, datetime]:
    """ "ongoing for 5 min", counted down to the unit it shows, and the moment it next
    changes: a cached page is kept no longer, so it never says less than has passed
    (found by a new user: "ongoing for 16 s" for most of a minute)."""
    elapsed = max((now - start).total_seconds(), 0)
    if elapsed < 60:
        return gettext("ongoing for less than a minute"), start + timedelta(seconds=60)
    unit = 60 if elapsed < 48 * 3600 else 3600
    counted = int(elapsed // unit) * unit
    return (
        gettext("ongoing for %(duration)s", duration=human_duration(counted)),
        start + timedelta(seconds=counted + unit),
    )


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
    now = utcnow()
    found = []
    for event, entry in zip(events, _entries(events, audience, now), strict=True):
        latest = max((u.display_at for u in event.updates), default=event.created_at)
        # A window the clock moved changed then, before the worker writes it down.
        moved = (
            [at for _, at in maintenance_steps(event, now)] if entry.kind == "maintenance" else []
        )
        found.append(FeedEvent(entry, event.created_at, max(latest, event.updated_at, *moved)))
    return found
