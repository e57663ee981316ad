"""No writes on read: with no worker running, every read shows a maintenance window as the
clock has it (started, or over) and writes nothing; the worker's job then commits the
state the page showed."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, update

from app.incidents.services import declare_incident
from app.maintenance.services import advance_maintenance, schedule_maintenance
from app.models import Maintenance, utcnow
from app.status.components import add_dependency
from core.db import db
from subscribers.worker import periodic_jobs

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def no_writes():
    """Fail if anything inside the block writes to the database or commits."""
    writes: list[str] = []

    def statement(conn, cursor, sql, parameters, context, executemany):
        if sql.lstrip().upper().startswith(WRITES):
            writes.append(sql.split("\n")[0][:80])

    def commit(conn):
        writes.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)
    assert writes == []


def window(components, start, end, **kwargs) -> Maintenance:
    """A window scheduled ahead, then moved to [start, end) as if time had passed."""
    now = utcnow()
    item = schedule_maintenance(
        None,
        "Disk swap",
        now + timedelta(hours=1),
        now + timedelta(hours=2),
        components,
        body="Swapping disks.",
        **kwargs,
    )
    db.session.commit()
    db.session.execute(
        update(Maintenance)
        .where(Maintenance.id == item.id)
        .values(scheduled_for=start, scheduled_until=end)
    )
    db.session.commit()
    return item


def statuses(data: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in data["components"]}


def json(client, name: str) -> dict:
    response = client.get(f"/api/v2/{name}.json")
    assert response.status_code == 200
    return response.get_json()


def committed(item: Maintenance, *components) -> tuple:
    db.session.expire_all()
    return (item.status, *(c.status for c in components))


def run_maintenance_job(app) -> None:
    dict(periodic_jobs(app))["maintenance"]()
    db.session.commit()


def test_a_started_window_shows_in_progress_everywhere_without_a_write(client, make_component):
    api, web = make_component("API"), make_component("Web")
    now = utcnow()
    item = window([api], now - timedelta(minutes=5), now + timedelta(hours=1))
    with no_writes():
        html = client.get("/").get_data(as_text=True)
        summary = json(client, "summary")
        active = json(client, "scheduled-maintenances/active")["scheduled_maintenances"]
        upcoming = json(client, "scheduled-maintenances/upcoming")["scheduled_maintenances"]
        page = client.get(f"/maintenance/{item.public_id}").get_data(as_text=True)
        listed = json(client, "scheduled-maintenances")["scheduled_maintenances"]
    assert "Maintenance in progress" in html and "Under maintenance" in html
    assert statuses(summary) == {"API": "under_maintenance", "Web": "operational"}
    assert summary["status"]["indicator"] == "maintenance"
    assert [m["status"] for m in summary["scheduled_maintenances"]] == ["in_progress"]
    assert [(m["id"], m["status"]) for m in active] == [(item.public_id, "in_progress")]
    assert active[0]["components"][0]["status"] == "under_maintenance"
    assert upcoming == []
    assert "In progress" in page and "Under maintenance" in page
    assert [m["status"] for m in listed] == ["in_progress"]
    assert committed(item, api, web) == ("scheduled", "operational", "operational")


def started_then_ended_by_the_clock(item: Maintenance, now) -> None:
    """The worker started ``item``; then its end passed with no worker to complete it."""
    advance_maintenance(now)
    db.session.commit()
    db.session.execute(
        update(Maintenance)
        .where(Maintenance.id == item.id)
        .values(scheduled_until=now - timedelta(minutes=1))
    )
    db.session.commit()


def test_a_window_past_its_end_shows_completed_and_its_components_back(client, make_component):
    api = make_component("API")
    now = utcnow()
    item = window([api], now - timedelta(hours=1), now + timedelta(hours=1))
    started_then_ended_by_the_clock(item, now)
    assert committed(item, api) == ("in_progress", "under_maintenance")
    with no_writes():
        html = client.get("/").get_data(as_text=True)
        summary = json(client, "summary")
        active = json(client, "scheduled-maintenances/active")["scheduled_maintenances"]
        page = client.get(f"/maintenance/{item.public_id}").get_data(as_text=True)
        history = client.get("/history").get_data(as_text=True)
    assert "Maintenance in progress" not in html and "Under maintenance" not in html
    assert statuses(summary) == {"API": "operational"}
    assert summary["status"]["indicator"] == "none"
    assert summary["scheduled_maintenances"] == [] and active == []
    assert "Completed" in page and "Under maintenance" not in page
    assert "Disk swap" in history
    assert committed(item, api) == ("in_progress", "under_maintenance")


def test_a_whole_window_that_passed_unseen_shows_completed(client, make_component):
    api = make_component("API")
    now = utcnow()
    item = window([api], now - timedelta(hours=2), now - timedelta(hours=1))
    with no_writes():
        summary = json(client, "summary")
        listed = json(client, "scheduled-maintenances")["scheduled_maintenances"]
    assert statuses(summary) == {"API": "operational"}
    assert summary["scheduled_maintenances"] == []
    assert [(m["status"], m["resolved_at"] is not None) for m in listed] == [("completed", True)]
    assert committed(item, api) == ("scheduled", "operational")


def test_a_component_an_incident_degraded_during_a_window_keeps_its_worse_status(
    client, make_component
):
    api, db_ = make_component("API"), make_component("Database")
    now = utcnow()
    item = window([api, db_], now - timedelta(minutes=5), now + timedelta(hours=1))
    declare_incident(None, "Slow API", "minor", {api: "degraded_performance"}, body="Slow.")
    db.session.commit()
    with no_writes():
        summary = json(client, "summary")
        html = client.get("/").get_data(as_text=True)
    assert statuses(summary) == {"API": "degraded_performance", "Database": "under_maintenance"}
    assert summary["status"]["indicator"] == "minor"
    assert "Degraded performance" in html and "Maintenance in progress" in html
    assert committed(item, api, db_) == ("scheduled", "degraded_performance", "operational")


def test_completion_leaves_a_component_an_incident_made_worse(client, make_component):
    api = make_component("API")
    now = utcnow()
    item = window([api], now - timedelta(hours=1), now + timedelta(hours=1))
    advance_maintenance(now)
    db.session.commit()
    declare_incident(None, "API down", "major", {api: "partial_outage"}, body="Down.")
    db.session.execute(
        update(Maintenance)
        .where(Maintenance.id == item.id)
        .values(scheduled_until=now - timedelta(minutes=1))
    )
    db.session.commit()
    with no_writes():
        summary = json(client, "summary")
    assert statuses(summary) == {"API": "partial_outage"}


def test_a_component_held_by_another_running_window_stays_under_maintenance(client, make_component):
    api = make_component("API")
    now = utcnow()
    window([api], now - timedelta(hours=1), now - timedelta(minutes=1))
    window([api], now - timedelta(minutes=30), now + timedelta(hours=1))
    with no_writes():
        summary = json(client, "summary")
        active = json(client, "scheduled-maintenances/active")["scheduled_maintenances"]
    assert statuses(summary) == {"API": "under_maintenance"}
    assert len(active) == 1


def test_the_feeds_and_the_internal_page_read_the_clock_without_a_write(
    client, staff, make_user, make_component
):
    api = make_component("API")
    now = utcnow()
    item = window([api], now - timedelta(minutes=5), now + timedelta(hours=1))
    signed_in = staff(make_user("admin"))
    with no_writes():
        atom = client.get("/history.atom").get_data(as_text=True)
        rss = client.get(f"/history.rss?component={api.public_id}").get_data(as_text=True)
        internal = signed_in.get("/internal").get_data(as_text=True)
        internal_page = signed_in.get(f"/internal/maintenance/{item.public_id}")
    assert "In progress" in atom and "In progress" in rss
    assert "Maintenance in progress" in internal and "Under maintenance" in internal
    assert "In progress" in internal_page.get_data(as_text=True)
    assert committed(item, api) == ("scheduled", "operational")


@pytest.mark.parametrize("phase", ["started", "ended"])
def test_the_worker_then_commits_the_state_the_page_showed(app, client, make_component, phase):
    database, api, web = (
        make_component("Database"),
        make_component("API"),
        make_component("Web"),
    )
    add_dependency(None, api, database)  # API is down while Database is
    db.session.commit()
    now = utcnow()
    item = window([database, web], now - timedelta(minutes=5), now + timedelta(hours=1))
    declare_incident(None, "Slow web", "minor", {web: "degraded_performance"}, body="Slow.")
    db.session.commit()
    if phase == "ended":
        started_then_ended_by_the_clock(item, now)

    def seen() -> tuple:
        summary = json(client, "summary")
        everything = json(client, "scheduled-maintenances")["scheduled_maintenances"]
        return (
            statuses(summary),
            summary["status"],
            [(m["id"], m["status"]) for m in summary["scheduled_maintenances"]],
            [(m["id"], m["status"]) for m in everything],
        )

    with no_writes():
        shown = seen()
    run_maintenance_job(app)
    assert seen() == shown
    expected = "in_progress" if phase == "started" else "completed"
    assert committed(item)[0] == expected
    assert shown[0]["Database"] == ("under_maintenance" if phase == "started" else "operational")
    assert shown[0]["API"] == shown[0]["Database"]  # a hard dependency passes its status on
    assert shown[0]["Web"] == "degraded_performance"
