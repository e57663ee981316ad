"""Time helpers: the page's time zone, day boundaries and readable durations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

from app.i18n.dates import duration_text


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def page_zone() -> ZoneInfo:
    return _zone(current_app.config["TIME_ZONE"])


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a day of the page's calendar begins (DST-aware)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def split_by_day(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[date, float]]:
    """Yield (day, seconds) for each day of the page's calendar that [start, end) covers."""
    if end <= start:
        return
    day = local_day(start, zone)
    cursor = start
    while cursor < end:
        next_start = day_start(day + timedelta(days=1), zone)
        stop = min(end, next_start)
        yield day, (stop - cursor).total_seconds()
        cursor = stop
        day += timedelta(days=1)


def human_duration(seconds: float) -> str:
    """'2 h 5 min', '45 min', '30 s' — for durations on pages and in tooltips, in the
    language being rendered."""
    return duration_text(seconds)
