from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.incidents.services import declare_incident, post_incident_update
from app.models import DailyUptime, StatusInterval, utcnow
from app.status.components import set_component_status
from app.status.history import rebuild_all_rollups
from app.status.uptime import format_percent, uptime_rows
from app.timeutil import split_by_day
from core.db import db

ZONE = UTC


def intervals(component):
    return db.session.execute(
        select(StatusInterval.status, StatusInterval.started_at, StatusInterval.ended_at)
        .where(StatusInterval.component_id == component.id)
        .order_by(StatusInterval.started_at)
    ).all()


def rollup(component):
    return {
        row.day: row
        for row in db.session.scalars(
            select(DailyUptime).where(DailyUptime.component_id == component.id)
        )
    }


def test_each_status_change_closes_one_interval_and_opens_the_next(make_component):
    api = make_component("API")
    start = utcnow()
    set_component_status(None, api, "partial_outage", at=start + timedelta(seconds=1))
    set_component_status(None, api, "operational", at=start + timedelta(seconds=601))
    db.session.commit()
    rows = intervals(api)
    assert [r.status for r in rows] == ["operational", "partial_outage", "operational"]
    assert rows[1].ended_at - rows[1].started_at == timedelta(seconds=600)
    assert rows[-1].ended_at is None


def test_the_daily_rollup_counts_closed_intervals_by_status(make_component):
    two_days_ago = utcnow() - timedelta(days=2)
    api = make_component("API", at=two_days_ago - timedelta(days=1))
    start = two_days_ago.replace(hour=10, minute=0, second=0, microsecond=0)
    set_component_status(None, api, "major_outage", at=start)
    set_component_status(None, api, "partial_outage", at=start + timedelta(minutes=30))
    set_component_status(None, api, "operational", at=start + timedelta(minutes=90))
    db.session.commit()
    row = rollup(api)[start.date()]
    assert row.major_outage == 1800
    assert row.partial_outage == 3600
    assert row.degraded_performance == 0


def test_an_interval_across_midnight_is_split_between_days():
    start = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    parts = list(split_by_day(start, start + timedelta(hours=3), ZONE))
    assert parts == [(date(2026, 3, 1), 3600.0), (date(2026, 3, 2), 7200.0)]


def test_days_follow_the_page_time_zone_across_a_dst_change():
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    days = dict(split_by_day(start, start + timedelta(days=2), london))
    assert days[date(2026, 3, 29)] == 23 * 3600  # the clocks go forward that night


def test_uptime_applies_the_configured_weights(app, make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=5))
    day_start = (now - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    set_component_status(None, api, "major_outage", at=day_start + timedelta(hours=1))
    set_component_status(None, api, "partial_outage", at=day_start + timedelta(hours=2))
    set_component_status(None, api, "degraded_performance", at=day_start + timedelta(hours=4))
    set_component_status(None, api, "operational", at=day_start + timedelta(hours=5))
    db.session.commit()
    weights = app.config["UPTIME_WEIGHTS"]
    assert weights["major_outage"] == 1 and weights["partial_outage"] == 0.3
    row = uptime_rows([api], {}, now, ZONE, weights, days=5)[api.id]
    day = next(d for d in row.days if d.day == day_start.date())
    expected = 1 - (3600 + 0.3 * 7200) / 86400
    assert abs(day.uptime - expected) < 1e-9
    assert day.level == "major"
    assert "major outage 1 h" in day.tip and "partial outage 2 h" in day.tip

    heavier = dict(weights, degraded_performance=0.5)
    row = uptime_rows([api], {}, now, ZONE, heavier, days=5)[api.id]
    day = next(d for d in row.days if d.day == day_start.date())
    assert abs(day.uptime - (expected - 0.5 * 3600 / 86400)) < 1e-9


def test_the_open_interval_counts_today_without_being_in_the_rollup(make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=3))
    set_component_status(None, api, "major_outage", at=now - timedelta(minutes=10))
    db.session.commit()
    assert now.date() not in rollup(api)
    row = uptime_rows(
        [api],
        {},
        now,
        ZONE,
        {
            "major_outage": 1.0,
            "partial_outage": 0.3,
            "degraded_performance": 0,
            "under_maintenance": 0,
        },
        days=3,
    )[api.id]
    today = row.days[-1]
    assert today.level == "major"
    assert today.uptime < 1


def test_days_before_a_component_existed_have_no_data(make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=2))
    row = uptime_rows(
        [api],
        {},
        now,
        ZONE,
        {
            "major_outage": 1.0,
            "partial_outage": 0.3,
            "degraded_performance": 0,
            "under_maintenance": 0,
        },
        days=90,
    )[api.id]
    assert len(row.days) == 90
    assert row.days[0].level == "none" and row.days[0].uptime is None
    assert "no data" in row.days[0].tip
    assert row.percent == 1.0


def test_a_backfilled_incident_rewrites_history_from_its_start(make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=30))
    start = (now - timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    incident = declare_incident(
        None, "API down", "major", {api: "major_outage"}, body="Down.", started_at=start
    )
    post_incident_update(None, incident, "resolved", "Fixed.", at=start + timedelta(hours=2))
    db.session.commit()
    assert api.status == "operational"
    assert rollup(api)[start.date()].major_outage == 7200
    statuses = [r.status for r in intervals(api)]
    assert statuses == ["operational", "major_outage", "operational"]


def test_rebuilding_the_rollup_gives_the_same_figures(make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=30))
    start = (now - timedelta(days=4)).replace(hour=8, minute=0, second=0, microsecond=0)
    set_component_status(None, api, "partial_outage", at=start)
    set_component_status(None, api, "operational", at=start + timedelta(minutes=45))
    db.session.commit()
    before = {d: r.partial_outage for d, r in rollup(api).items()}
    db.session.execute(DailyUptime.__table__.delete())
    rebuild_all_rollups()
    db.session.commit()
    assert {d: r.partial_outage for d, r in rollup(api).items()} == before == {start.date(): 2700.0}


def test_percentages_never_round_a_bad_day_up_to_100():
    assert format_percent(0.99999) == "99.99%"
    assert format_percent(1.0) == "100%"
    assert format_percent(None) == "no data"
