"""Uptime bars: per component and day, from the daily roll-up and the open interval.

A day's uptime is ``1 - weighted downtime / observed time``: each status counts with the
weight of ``HERALD_UPTIME_WEIGHTS`` (by default a major outage counts fully as down, a
partial outage as 30% down, the rest as up). Days before a component existed have no data.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.models import DailyUptime
from app.status.history import ROLLUP_FIELDS
from app.timeutil import day_start, human_duration, local_day, split_by_day
from core.db import db

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The largest fraction below 1: shown as 99.99%, for a span with down time too short to
# move the figure (an outage that began a moment before the page was built).
BELOW_FULL = math.nextafter(1.0, 0.0)
# The shorter spans narrow screens show (herald.css hides the older bars there).
SHORTER_SPANS = (60, 30)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    """Whole microseconds since the epoch: subtracting these gives exactly what
    subtracting the datetimes gives, at a fraction of the cost (1,800 times a render)."""
    return (moment - _EPOCH) // _MICROSECOND


LEVEL_BY_STATUS = {
    "major_outage": "major",
    "partial_outage": "partial",
    "degraded_performance": "minor",
    "under_maintenance": "maint",
}
LEVEL_ORDER = ("major_outage", "partial_outage", "degraded_performance", "under_maintenance")
SHORT_LABELS = {
    "major_outage": "major outage",
    "partial_outage": "partial outage",
    "degraded_performance": "degraded",
    "under_maintenance": "maintenance",
}


@dataclass(frozen=True, slots=True)
class DayBar:
    day: date
    level: str  # none (no data), ok, minor, partial, major, maint
    uptime: float | None
    tip: str
    incident_url: str | None
    # What the tip says, for pages in other languages (app.i18n.filters.day_tip):
    # (status, seconds, still going) per status seen, and the incidents' names.
    notes: tuple[tuple[str, float, bool], ...] = ()
    incidents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UptimeRow:
    percent: float | None  # over all the days
    days: tuple[DayBar, ...]
    # (days, percent) over the last 60 and 30 days, for screens that show only those.
    shorter: tuple[tuple[int, float | None], ...] = ()


def _fraction_up(observed: float, down: float, bad: bool) -> float | None:
    """``1 - down / observed``; never a full 1 for a span that had or has down time."""
    if observed <= 0:
        return None
    fraction = max(0.0, 1.0 - down / observed)
    return min(fraction, BELOW_FULL) if bad else fraction


def _span(observed: list[float], down: list[float], count: int, down_now: bool) -> float | None:
    """The uptime of the last ``count`` days."""
    total_down = sum(down[-count:])
    return _fraction_up(sum(observed[-count:]), total_down, total_down > 0 or down_now)


def format_percent(fraction: float | None) -> str:
    if fraction is None:
        return "no data"
    value = fraction * 100
    if value >= 100:
        return "100%"
    # Never round a bad day up to 100%.
    return f"{min(value, 99.99):.2f}%"


def uptime_rows(
    components: list,
    incidents_by_day: dict[tuple[int, date], list[tuple[str, str]]],
    now: datetime,
    zone: ZoneInfo,
    weights: dict[str, float],
    days: int = 90,
) -> dict[int, UptimeRow]:
    """Build the bars of ``components`` for the ``days`` days ending today.

    ``incidents_by_day`` maps (component id, day) to [(incident name, url)] for tooltips.
    """
    today = local_day(now, zone)
    first = today - timedelta(days=days - 1)
    ids = [c.id for c in components]
    seconds: dict[tuple[int, date], dict[str, float]] = defaultdict(
        lambda: dict.fromkeys(ROLLUP_FIELDS, 0.0)
    )
    if ids:
        for row in db.session.execute(
            select(
                DailyUptime.component_id,
                DailyUptime.day,
                *[getattr(DailyUptime, f) for f in ROLLUP_FIELDS],
            ).where(DailyUptime.component_id.in_(ids), DailyUptime.day >= first)
        ):
            seconds[(row[0], row[1])] = dict(zip(ROLLUP_FIELDS, row[2:], strict=True))
    day_list = [first + timedelta(days=i) for i in range(days)]
    bounds = [_micros(day_start(first + timedelta(days=i), zone)) for i in range(days + 1)]
    now_us = _micros(now)
    labels = [day.strftime("%-d %b %Y") for day in day_list]
    # The bars of a day without data and of a clean day are the same for every component
    # (and immutable), so they are built once per day, not once per component and day.
    no_data = [
        DayBar(day, "none", None, f"{labels[i]}: no data", None) for i, day in enumerate(day_list)
    ]
    clean = [
        DayBar(day, "ok", 1.0, f"{labels[i]}: {format_percent(1.0)}", None)
        for i, day in enumerate(day_list)
    ]
    result = {}
    for component in components:
        # The open interval is not in the roll-up: add its part of each day up to now, so
        # a page built a moment after an outage began already shows it (and not 100%).
        ongoing = component.effective_status
        open_days: set[date] = set()
        if ongoing != "operational":
            for day, secs in split_by_day(component.status_changed_at, now, zone):
                if day >= first:
                    seconds[(component.id, day)][ongoing] += secs
                    open_days.add(day)
            open_days.add(today)
            # Today has data even when the outage began this very moment.
            seconds.setdefault((component.id, today), dict.fromkeys(ROLLUP_FIELDS, 0.0))
        ongoing_down = ongoing != "operational" and weights[ongoing] > 0
        component_id = component.id  # read once: an ORM attribute, 180 reads per component
        created_us = _micros(component.created_at)
        observed_by_day = [0.0] * days
        down_by_day = [0.0] * days
        bars = []
        for i, day in enumerate(day_list):
            # Seconds of this day the component existed (overlap of two intervals).
            observed = max(0, min(bounds[i + 1], now_us) - max(bounds[i], created_us)) / 10**6
            entries = incidents_by_day.get((component_id, day), ())
            if observed <= 0:
                bars.append(no_data[i])
                continue
            observed_by_day[i] = observed
            spent = seconds.get((component_id, day))
            if not spent and not entries:
                bars.append(clean[i])
                continue
            down = sum(weights[s] * v for s, v in spent.items()) if spent else 0.0
            down_by_day[i] = min(down, observed)
            is_open = day in open_days
            uptime = _fraction_up(observed, down, down > 0 or (is_open and ongoing_down))
            level = "ok"
            notes = []
            facts = []
            if spent:
                for status in LEVEL_ORDER:
                    now_in_it = is_open and status == ongoing
                    if spent[status] >= 1 or now_in_it:
                        if level == "ok":
                            level = LEVEL_BY_STATUS[status]
                        note = f"{SHORT_LABELS[status]} {human_duration(spent[status])}"
                        so_far = now_in_it and day == today
                        notes.append(note + (" so far" if so_far else ""))
                        facts.append((status, spent[status], so_far))
            # Kept short: a clean day's tooltip is repeated 90 times per component.
            tip = f"{labels[i]}: {format_percent(uptime)}"
            if notes:
                tip += " · " + ", ".join(notes)
            if entries:
                tip += " · " + "; ".join(name for name, _ in entries)
            bars.append(
                DayBar(
                    day,
                    level,
                    uptime,
                    tip,
                    entries[0][1] if entries else None,
                    tuple(facts),
                    tuple(name for name, _ in entries),
                )
            )

        result[component.id] = UptimeRow(
            _span(observed_by_day, down_by_day, days, ongoing_down),
            tuple(bars),
            tuple(
                (count, _span(observed_by_day, down_by_day, count, ongoing_down))
                for count in SHORTER_SPANS
                if count < days
            ),
        )
    return result
