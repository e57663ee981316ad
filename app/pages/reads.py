"""What a private page shows: its components (hidden ones too), and the incidents and
maintenance that touch them.

Which incidents: those shown to the public (an internal incident never reaches outside
viewers) that touch one of the page's components. Which words: for each update, the text
published for the page's own audience when the comms lead drafted one, else the public
text; an update with neither (internal only) is left out. Maintenance windows shown
publicly that touch the page's components are listed with their public texts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.markdown import render_markdown
from app.models import (
    ComponentGroup,
    Draft,
    FactSheet,
    Incident,
    IncidentComponent,
    Maintenance,
    MaintenanceComponent,
    PageState,
    PrivatePage,
    utcnow,
)
from app.status.cache import page_cache
from app.status.entries import (
    EventEntry,
    Summary,
    TimelineEntry,
    event_entry,
    format_time,
)
from app.status.indicator import page_indicator
from app.status.statuspage import iso
from app.status.summary import (
    DEGRADED_MAX_AGE,
    INTERNAL_REASON,
    UPTIME_DAYS,
    build_summary,
    grouped,
    incidents_by_day,
)
from app.status.uptime import UptimeRow, uptime_rows
from app.timeutil import day_start, local_day, page_zone
from core.db import db
from core.vocab import DEFAULT_LANGUAGE, INCIDENT_STATUS_LABELS

RECENTLY_RESOLVED = timedelta(days=7)


def _page_incidents(ids, condition, newest_first) -> list[Incident]:
    """The public incidents touching the components ``ids`` that meet ``condition``."""
    return list(
        db.session.scalars(
            select(Incident)
            .where(
                condition,
                Incident.visibility == "public",
                Incident.affected.any(IncidentComponent.component_id.in_(ids)),
            )
            .options(
                selectinload(Incident.updates),
                selectinload(Incident.affected).selectinload(IncidentComponent.component),
            )
            .order_by(newest_first.desc())
        )
    )


def page_summary(page: PrivatePage) -> Summary:
    """The page's summary, built once per content version (and per page), in English
    whoever asks first: it serves every language's page and the JSON; the page puts its
    words in the reader's language when it renders."""
    return page_cache().memo(
        f"summary:page:{page.slug}",
        lambda: _in_english(page),
        lambda s: s.valid_until.timestamp(),
    )


def _in_english(page: PrivatePage) -> Summary:
    with force_locale(DEFAULT_LANGUAGE):
        return build_page_summary(page)


def page_texts(page: PrivatePage, update_ids: list[int]) -> dict[int, str]:
    """Update id → the page text published for the page's audience with that update."""
    if not update_ids:
        return {}
    rows = db.session.execute(
        select(FactSheet.update_id, Draft.page_text)
        .join(Draft, Draft.fact_sheet_id == FactSheet.id)
        .where(
            Draft.audience_key == page.audience_key,
            Draft.state == "published",
            FactSheet.update_id.in_(update_ids),
        )
    )
    return {update_id: text for update_id, text in rows if text}


def _own_words(entry: EventEntry, incident: Incident, texts: dict[int, str], zone) -> None:
    """Put the page's own texts in the entry's timeline and JSON."""
    shown = [u for u in incident.updates if texts.get(u.id) or u.body]
    entry.updates = [
        TimelineEntry(
            status=u.status,
            status_label=INCIDENT_STATUS_LABELS[u.status],
            body_html=render_markdown(texts.get(u.id) or u.body),
            at=u.display_at,
            at_text=format_time(u.display_at, zone),
            at_iso=iso(u.display_at, zone),
        )
        for u in shown
    ]
    by_public_id = {u.public_id: texts[u.id] for u in incident.updates if texts.get(u.id)}
    for data in entry.json["incident_updates"]:
        if data["id"] in by_public_id:
            data["body"] = by_public_id[data["id"]]
    present = {d["id"] for d in entry.json["incident_updates"]}
    if by_public_id.keys() - present:  # page-only texts of updates with no public text
        entry.json["incident_updates"] = [
            {
                "id": u.public_id,
                "status": u.status,
                "body": texts.get(u.id) or u.body,
                "incident_id": incident.public_id,
                "created_at": iso(u.created_at, zone),
                "updated_at": iso(u.updated_at, zone),
                "display_at": iso(u.display_at, zone),
                "affected_components": None,
                "deliver_notifications": u.deliver_notifications,
                "custom_tweet": None,
            }
            for u in shown
        ]


def _unlinked(row: UptimeRow | None) -> UptimeRow | None:
    """The row with no day linking to the public incident page: nothing on a private page
    leads its viewers out to the public site."""
    if row is None:
        return None
    return replace(row, days=tuple(replace(d, incident_url=None) for d in row.days))


def build_page_summary(page: PrivatePage, now: datetime | None = None) -> Summary:
    """The read model of one private page, in the shape of the public page's."""
    config = current_app.config
    now = now or utcnow()
    zone = page_zone()
    # Every object of the page's JSON names this page, not the public one.
    page_id, public_url = page.public_id, config["PUBLIC_URL"]
    ids = {c.id for c in page.components}
    # The staff view of every component (hidden ones included), narrowed to the page's.
    base = build_summary("internal", now)
    first_day = local_day(now, zone) - timedelta(days=UPTIME_DAYS - 1)
    since = day_start(first_day, zone)
    chosen = list(page.components)
    bars = uptime_rows(
        chosen,
        {k: v for k, v in incidents_by_day("public", since, now, zone).items() if k[0] in ids},
        now,
        zone,
        config["UPTIME_WEIGHTS"],
        UPTIME_DAYS,
    )
    names_elsewhere = {c.name for c in base.components if c.id not in ids}
    entries = []
    for entry in base.components:
        if entry.id not in ids:
            continue
        entry.uptime = _unlinked(bars.get(entry.id))
        if any(name in entry.reason for name in names_elsewhere):
            entry.reason = INTERNAL_REASON
        entry.reported = []
        entry.json = {**entry.json, "page_id": page_id}
        entries.append(entry)
    component_dicts = {e.id: e.json for e in entries}

    by_id = {c.id: c for c in page.components}
    groups = {g.id: g for g in db.session.scalars(select(ComponentGroup))}
    group_entries, items = grouped(entries, by_id, groups, page_id, zone)

    incidents = _page_incidents(ids, Incident.status != "resolved", Incident.started_at)
    # Resolved in the last week: its readers keep a history of what touched them (found by
    # a new user: a resolved email's "full history" link led to a page without it).
    resolved = _page_incidents(
        ids,
        (Incident.status == "resolved") & (Incident.resolved_at >= now - RECENTLY_RESOLVED),
        Incident.resolved_at,
    )
    texts = page_texts(page, [u.id for i in incidents + resolved for u in i.updates])
    incident_entries, resolved_entries = [], []
    for found, into in ((incidents, incident_entries), (resolved, resolved_entries)):
        for incident in found:
            entry = event_entry(incident, zone, page_id, public_url, component_dicts, now)
            _own_words(entry, incident, texts, zone)
            into.append(entry)
    windows = [
        event_entry(m, zone, page_id, public_url, component_dicts, now)
        for m in db.session.scalars(
            select(Maintenance)
            .where(
                Maintenance.status != "completed",
                Maintenance.shown_publicly(),
                Maintenance.affected.any(MaintenanceComponent.component_id.in_(ids)),
            )
            .options(selectinload(Maintenance.updates), selectinload(Maintenance.affected))
            .order_by(Maintenance.scheduled_for)
        )
    ]
    active = [m for m in windows if m.status in ("in_progress", "verifying")]
    upcoming = [m for m in windows if m.status == "scheduled"]
    indicator, description = page_indicator(
        (e.status for e in entries),
        (i.indicator_impact or i.impact for i in incident_entries),
        bool(active),
    )
    valid_until = base.valid_until
    if any(e.status != "operational" for e in entries):
        valid_until = min(valid_until, now + DEGRADED_MAX_AGE)
    if resolved:  # the oldest leaves the list a week after it was resolved
        valid_until = min(valid_until, resolved[-1].resolved_at + RECENTLY_RESOLVED)
    state = db.session.get(PageState, 1)
    updated_at = max(state.updated_at if state else now, page.updated_at)
    return Summary(
        audience=page.audience_key,
        version=base.version,
        built_at=now,
        valid_until=valid_until,
        updated_at=updated_at,
        page={
            "id": page.public_id,
            "name": page.name,
            "url": f"{public_url}/p/{page.slug}",
            "time_zone": config["TIME_ZONE"],
            "updated_at": iso(updated_at, zone),
        },
        indicator=indicator,
        description=description,
        items=items,
        components=entries,
        groups=group_entries,
        incidents=incident_entries,
        maintenance_active=active,
        maintenance_upcoming=upcoming,
        extra={"slug": page.slug, "recently_resolved": resolved_entries},
    )
