from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.incidents.services import declare_incident
from app.maintenance.services import (
    advance_maintenance,
    delete_maintenance,
    post_maintenance_update,
    schedule_maintenance,
)
from app.models import Maintenance, MaintenanceUpdate, utcnow
from core.db import db
from core.errors import ServiceError


def schedule(components, start_in=timedelta(hours=1), length=timedelta(hours=1), **kwargs):
    start = utcnow() + start_in
    item = schedule_maintenance(
        None,
        "DB upgrade",
        start,
        start + length,
        components,
        body="Upgrading the database.",
        **kwargs,
    )
    db.session.commit()
    return item


def move_window(item, start, end):
    db.session.execute(
        update(Maintenance)
        .where(Maintenance.id == item.id)
        .values(scheduled_for=start, scheduled_until=end)
    )
    db.session.commit()
    db.session.refresh(item)


def test_a_window_starts_and_completes_by_itself(make_component):
    api = make_component("API")
    item = schedule([api])
    now = utcnow()
    move_window(item, now - timedelta(minutes=5), now + timedelta(minutes=30))
    advance_maintenance(now)
    db.session.commit()
    assert item.status == "in_progress" and item.started_at == item.scheduled_for
    assert api.status == "under_maintenance"
    later = now + timedelta(minutes=31)
    advance_maintenance(later)
    db.session.commit()
    assert item.status == "completed"
    assert api.status == "operational"
    assert item.updates[0].status == "completed"
    assert sorted(u.status for u in item.updates) == ["completed", "in_progress", "scheduled"]


def test_running_the_tick_twice_adds_nothing(make_component):
    api = make_component("API")
    item = schedule([api])
    now = utcnow()
    move_window(item, now - timedelta(minutes=5), now + timedelta(minutes=30))
    assert len(advance_maintenance(now)) == 1
    db.session.commit()
    assert advance_maintenance(now) == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MaintenanceUpdate)) == 2


def test_a_window_missed_entirely_records_both_ends_at_their_times(make_component):
    api = make_component("API")
    item = schedule([api])
    now = utcnow()
    move_window(item, now - timedelta(hours=3), now - timedelta(hours=2))
    updates = advance_maintenance(now)
    db.session.commit()
    assert [u.status for u in updates] == ["in_progress", "completed"]
    assert [u.deliver_notifications for u in updates] == [False, True]
    assert item.completed_at == item.scheduled_until
    assert api.status == "operational"


def test_maintenance_does_not_mask_an_outage(make_component):
    api = make_component("API")
    declare_incident(None, "API down", "major", {api: "major_outage"}, body="x")
    item = schedule([api])
    now = utcnow()
    move_window(item, now - timedelta(minutes=1), now + timedelta(minutes=30))
    advance_maintenance(now)
    db.session.commit()
    assert api.status == "major_outage"


def test_manual_updates_move_components_and_completed_is_final(make_component):
    api = make_component("API")
    item = schedule([api], auto_transition=False)
    post_maintenance_update(None, item, "in_progress", "Starting early.")
    assert api.status == "under_maintenance"
    post_maintenance_update(None, item, "verifying", "Checking.")
    post_maintenance_update(None, item, "completed", "Done.")
    db.session.commit()
    assert api.status == "operational"
    with pytest.raises(ServiceError, match="completed"):
        post_maintenance_update(None, item, "in_progress", "Again?")


@pytest.mark.parametrize(
    ("start_in", "length", "message"),
    [
        (timedelta(hours=1), timedelta(0), "must end after it starts"),
        (timedelta(hours=-3), timedelta(hours=1), "already over"),
        (timedelta(hours=1), timedelta(days=20), "at most 14 days"),
    ],
)
def test_a_bad_window_is_refused(make_component, start_in, length, message):
    api = make_component("API")
    with pytest.raises(ServiceError, match=message):
        schedule([api], start_in=start_in, length=length)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Maintenance)) == 0


def test_a_window_needs_components_and_a_message(make_component):
    start = utcnow() + timedelta(hours=1)
    with pytest.raises(ServiceError, match="Choose the components"):
        schedule_maintenance(None, "x", start, start + timedelta(hours=1), [], body="y")
    with pytest.raises(ServiceError, match="needs a message"):
        schedule_maintenance(
            None, "x", start, start + timedelta(hours=1), [make_component("API")], body=""
        )


def test_deleting_an_active_window_returns_its_components(make_component):
    api = make_component("API")
    item = schedule([api], auto_transition=False)
    post_maintenance_update(None, item, "in_progress", "Go.")
    delete_maintenance(None, item)
    db.session.commit()
    assert api.status == "operational"
    assert db.session.scalar(select(func.count()).select_from(Maintenance)) == 0


def test_the_clock_names_the_next_start_or_end_so_the_page_cache_expires_then(make_component):
    from app.status.maintenance_state import maintenance_clock

    api = make_component("API")
    item = schedule([api], start_in=timedelta(hours=2))
    assert maintenance_clock(utcnow()).next_boundary == item.scheduled_for
    assert maintenance_clock(item.scheduled_for).next_boundary == item.scheduled_until
    assert maintenance_clock(item.scheduled_until).next_boundary is None
