"""Uptime that tells the truth now: the open status interval counts up to the moment the
page is built, an outage shows from its first second, and the shorter spans that narrow
screens show have percentages of their own."""

from __future__ import annotations

from datetime import UTC, timedelta

from app.models import utcnow
from app.status.components import set_component_status
from app.status.summary import DEGRADED_MAX_AGE, build_summary
from app.status.uptime import format_percent, uptime_rows
from app.timeutil import day_start, local_day
from core.db import db

WEIGHTS = {
    "major_outage": 1.0,
    "partial_outage": 0.3,
    "degraded_performance": 0.0,
    "under_maintenance": 0.0,
}
# Noon, ten days ago: a fixed "now" whose day has room on both sides.
NOON = (utcnow() - timedelta(days=10)).replace(hour=12, minute=0, second=0, microsecond=0)


def row_at(component, now, days=90):
    return uptime_rows([component], {}, now, UTC, WEIGHTS, days)[component.id]


def spans(row) -> dict[int, str]:
    return {days: format_percent(p) for days, p in ((90, row.percent), *row.shorter)}


def test_an_outage_that_began_this_moment_is_red_today_and_never_100_percent(make_component):
    api = make_component("API", at=NOON - timedelta(days=100))
    set_component_status(None, api, "major_outage", at=NOON)
    db.session.commit()
    row = row_at(api, NOON)  # built in the same instant: no second of it has passed
    today = row.days[-1]
    assert today.level == "major"
    assert format_percent(today.uptime) == "99.99%"
    assert "major outage 0 s so far" in today.tip
    assert spans(row) == {90: "99.99%", 60: "99.99%", 30: "99.99%"}


def test_the_open_interval_counts_up_to_the_moment_the_page_is_built(make_component):
    api = make_component("API", at=NOON - timedelta(days=100))
    set_component_status(None, api, "major_outage", at=NOON - timedelta(hours=2))
    db.session.commit()
    earlier, later = row_at(api, NOON), row_at(api, NOON + timedelta(hours=4))
    assert abs(earlier.days[-1].uptime - (1 - 2 / 12)) < 1e-9
    assert abs(later.days[-1].uptime - (1 - 6 / 16)) < 1e-9
    assert "major outage 6 h so far" in later.days[-1].tip
    assert later.percent < earlier.percent < 1


def test_a_degraded_component_is_yellow_today_and_up_by_the_default_weights(make_component):
    api = make_component("API", at=NOON - timedelta(days=100))
    set_component_status(None, api, "degraded_performance", at=NOON)
    db.session.commit()
    row = row_at(api, NOON)
    assert row.days[-1].level == "minor"
    assert spans(row) == {90: "100%", 60: "100%", 30: "100%"}


def test_each_shorter_span_counts_only_its_own_days(make_component):
    api = make_component("API", at=NOON - timedelta(days=100))
    outage = NOON - timedelta(days=45)
    set_component_status(None, api, "major_outage", at=outage)
    set_component_status(None, api, "operational", at=outage + timedelta(hours=2))
    db.session.commit()
    row = row_at(api, NOON)
    assert [days for days, _ in row.shorter] == [60, 30]
    assert spans(row)[30] == "100%"  # the outage is older than 30 days
    observed_60 = (NOON - day_start(local_day(NOON, UTC) - timedelta(days=59), UTC)).total_seconds()
    assert abs(dict(row.shorter)[60] - (1 - 7200 / observed_60)) < 1e-12
    assert row.percent > dict(row.shorter)[60]  # the same outage over more days
    # Spans never reach back before the component existed.
    young = make_component("Young", at=NOON - timedelta(days=5))
    assert spans(row_at(young, NOON)) == {90: "100%", 60: "100%", 30: "100%"}


def test_while_something_is_down_the_summary_is_rebuilt_within_a_minute(app, make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=3))
    midnight = day_start(local_day(now, UTC) + timedelta(days=1), UTC)
    assert build_summary("public", now).valid_until == midnight
    set_component_status(None, api, "major_outage", at=now)
    db.session.commit()
    later = now + timedelta(seconds=5)
    summary = build_summary("public", later)
    assert summary.valid_until <= later + DEGRADED_MAX_AGE
    assert summary.components[0].uptime.days[-1].level == "major"
