"""Status history: one interval per stretch of effective status, rolled up per day.

Rendering never reads intervals: pages read ``DailyUptime`` (closed intervals) plus the
component's current status since ``status_changed_at`` (the open interval).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, or_, select

from app.models import Component, DailyUptime, StatusInterval, utcnow
from app.timeutil import day_start, local_day, page_zone, split_by_day
from core.db import db

ROLLUP_FIELDS = ("degraded_performance", "partial_outage", "major_outage", "under_maintenance")


def open_interval(component: Component) -> StatusInterval | None:
    return db.session.scalar(
        select(StatusInterval)
        .where(StatusInterval.component_id == component.id, StatusInterval.ended_at.is_(None))
        .order_by(StatusInterval.started_at.desc())
        .limit(1)
    )


def start_history(component: Component, at: datetime) -> None:
    """Open the first interval of a new component."""
    db.session.add(
        StatusInterval(component_id=component.id, status=component.effective_status, started_at=at)
    )
    component.status_changed_at = at


def record_status_change(component: Component, status: str, at: datetime) -> None:
    """Close the open interval at ``at`` and open one in ``status``.

    ``at`` earlier than the open interval's start backfills: history from ``at`` on is
    rewritten to the new status (used to record a past incident), and the daily roll-up of
    those days is rebuilt.
    """
    current = open_interval(component)
    if current is not None and at >= current.started_at:
        current.ended_at = at
        db.session.add(StatusInterval(component_id=component.id, status=status, started_at=at))
        component.status_changed_at = at
        db.session.flush()
        if current.status != "operational":
            rebuild_rollup(
                component.id, local_day(current.started_at, page_zone()), local_day(at, page_zone())
            )
        return
    _rewrite_from(component, status, at)


def _rewrite_from(component: Component, status: str, at: datetime) -> None:
    db.session.execute(
        delete(StatusInterval).where(
            StatusInterval.component_id == component.id, StatusInterval.started_at >= at
        )
    )
    covering = db.session.scalar(
        select(StatusInterval).where(
            StatusInterval.component_id == component.id,
            StatusInterval.started_at < at,
            or_(StatusInterval.ended_at.is_(None), StatusInterval.ended_at > at),
        )
    )
    if covering is not None:
        covering.ended_at = at
    db.session.add(StatusInterval(component_id=component.id, status=status, started_at=at))
    component.status_changed_at = at
    if component.created_at > at:
        component.created_at = at
    db.session.flush()
    zone = page_zone()
    rebuild_rollup(component.id, local_day(at, zone), local_day(utcnow(), zone))


def rebuild_rollup(component_id: int, first: date, last: date) -> None:
    """Recompute the daily roll-up of one component for days ``first``..``last``."""
    zone = page_zone()
    window_start = day_start(first, zone)
    window_end = day_start(last + timedelta(days=1), zone)
    db.session.execute(
        delete(DailyUptime).where(
            DailyUptime.component_id == component_id,
            DailyUptime.day >= first,
            DailyUptime.day <= last,
        )
    )
    rows = db.session.execute(
        select(StatusInterval.status, StatusInterval.started_at, StatusInterval.ended_at).where(
            StatusInterval.component_id == component_id,
            StatusInterval.status != "operational",
            StatusInterval.ended_at.is_not(None),
            and_(StatusInterval.started_at < window_end, StatusInterval.ended_at > window_start),
        )
    ).all()
    totals: dict[date, dict[str, float]] = defaultdict(lambda: dict.fromkeys(ROLLUP_FIELDS, 0.0))
    for status, started, ended in rows:
        for day, seconds in split_by_day(max(started, window_start), min(ended, window_end), zone):
            totals[day][status] += seconds
    for day, seconds in totals.items():
        db.session.add(DailyUptime(component_id=component_id, day=day, **seconds))
    db.session.flush()


def rebuild_all_rollups() -> int:
    """Recompute every component's roll-up from its whole history; returns the count."""
    zone = page_zone()
    today = local_day(utcnow(), zone)
    components = db.session.scalars(select(Component)).all()
    for component in components:
        rebuild_rollup(component.id, local_day(component.created_at, zone), today)
    return len(components)
