"""Scheduling maintenance, its updates, edits and deletion through the admin forms."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.maintenance.services import schedule_maintenance
from app.models import AuditEvent, Maintenance, MaintenanceUpdate, utcnow
from core.db import db

FORM_TIME = "%Y-%m-%dT%H:%M"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@pytest.fixture
def local(app):
    """``local(moment)``: a datetime-local input value in the page's time zone."""
    zone = ZoneInfo(app.config["TIME_ZONE"])
    return lambda moment: moment.astimezone(zone).strftime(FORM_TIME)


@pytest.fixture
def comms(make_user, staff):
    return staff(make_user("comms_lead", email="casey@example.com"))


def upcoming(components, name="Database upgrade", hours=24, length=2):
    start = minute(utcnow()) + timedelta(hours=hours)
    item = schedule_maintenance(
        None, name, start, start + timedelta(hours=length), components, body="We upgrade."
    )
    db.session.commit()
    return item


def test_scheduling_maintenance_on_the_form_lists_it_as_upcoming_once_approved(
    comms, fill, local, text, client, api, database, make_user, staff
):
    start = minute(utcnow()) + timedelta(days=2)
    data = fill(
        comms,
        "/admin/maintenance/new",
        name="Database upgrade",
        scheduled_for=local(start),
        scheduled_until=local(start + timedelta(hours=1)),
        body="The API may be slow for a minute.",
        components=[str(api.id), str(database.id)],
    )
    assert data["auto_transition"] == "y"  # starts and completes by itself by default
    response = comms.post("/admin/maintenance/new", data=data)
    item = db.session.scalar(select(Maintenance))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/maintenance/{item.id}"
    assert (item.name, item.status, item.auto_transition) == ("Database upgrade", "scheduled", True)
    assert (item.scheduled_for, item.scheduled_until) == (start, start + timedelta(hours=1))
    assert sorted(c.name for c in item.components) == ["API", "Database"]
    # Customers' texts need approval: the notice waits for an approver, unlisted.
    [first] = item.updates
    assert (first.body, first.pending_body) == ("", "The API may be slow for a minute.")
    assert (api.status, database.status) == ("operational", "operational")

    page = text(comms.get(f"/admin/maintenance/{item.id}"))
    assert "Scheduled Database upgrade. Its text waits for an approver" in page
    assert "Affects: API, Database" in page
    assert "waiting for approval" in page and "Approve and publish" not in page
    upcoming_url = "/api/v2/scheduled-maintenances/upcoming.json"
    assert client.get(upcoming_url).get_json()["scheduled_maintenances"] == []

    approver = staff(make_user("approver"))
    assert "Approve and publish" in text(approver.get(f"/admin/maintenance/{item.id}"))
    approver.post(f"/admin/maintenance/{item.id}/updates/{first.id}/approve")
    assert (first.body, first.pending_body, item.is_public) == (
        "The API may be slow for a minute.",
        "",
        True,
    )
    listed = client.get(upcoming_url).get_json()
    assert [(m["name"], m["status"]) for m in listed["scheduled_maintenances"]] == [
        ("Database upgrade", "scheduled")
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "maintenance.schedule"))
    assert (event.actor, event.target_id) == ("casey@example.com", item.id)


@pytest.mark.parametrize(
    ("start", "end", "extra", "message"),
    [
        (-3, -2, {}, "That window is already over."),
        (5, 4, {}, "The window must end after it starts."),
        (5, 5, {}, "The window must end after it starts."),
        (5, 5 + 24 * 15, {}, "A maintenance window can last at most 14 days."),
        (5, 6, {"components": None}, "Choose the components the maintenance affects."),
        (5, 6, {"name": ""}, "Name: This field is required."),
        (5, 6, {"body": ""}, "Message (Markdown): This field is required."),
        (5, 6, {"scheduled_for": ""}, "Starts: This field is required."),
        (5, 6, {"visibility": "everyone"}, "Visibility: Not a valid choice."),
    ],
    ids=[
        "in the past",
        "ends before it starts",
        "no length",
        "too long",
        "no components",
        "no name",
        "no message",
        "no start",
        "visibility",
    ],
)
def test_a_bad_window_is_refused_with_a_message_and_nothing_is_scheduled(
    comms, fill, local, text, api, start, end, extra, message
):
    now = minute(utcnow())
    fields = {
        "name": "Database upgrade",
        "scheduled_for": local(now + timedelta(hours=start)),
        "scheduled_until": local(now + timedelta(hours=end)),
        "body": "We upgrade.",
        "components": [str(api.id)],
        **extra,
    }
    events = count(AuditEvent)
    response = comms.post(
        "/admin/maintenance/new", data=fill(comms, "/admin/maintenance/new", **fields)
    )
    assert response.status_code == 400
    assert message in text(response)
    assert (count(Maintenance), count(MaintenanceUpdate), count(AuditEvent)) == (0, 0, events)
    assert api.status == "operational"


def test_a_window_that_has_already_begun_starts_at_once(comms, fill, local, api):
    start = minute(utcnow()) - timedelta(minutes=10)
    data = fill(
        comms,
        "/admin/maintenance/new",
        name="Cache restart",
        scheduled_for=local(start),
        scheduled_until=local(start + timedelta(hours=1)),
        body="Restarting the cache.",
        components=[str(api.id)],
    )
    assert comms.post("/admin/maintenance/new", data=data).status_code == 302
    item = db.session.scalar(select(Maintenance))
    assert (item.status, item.started_at) == ("in_progress", start)
    assert api.status == "under_maintenance"


def test_updates_move_the_window_and_its_components_through_their_statuses(
    comms, fill, text, client, api, database
):
    from subscribers.audiences import get_audience

    # About the statuses: with no approval for customers' texts, updates go out as posted.
    get_audience("customers").needs_approval = False
    db.session.commit()
    item = upcoming([api])
    url = f"/admin/maintenance/{item.id}"
    action = f"{url}/updates"

    data = fill(comms, url, action, status="in_progress", body="Work has begun.")
    assert comms.post(action, data=data).status_code == 302
    assert (item.status, api.status, database.status) == (
        "in_progress",
        "under_maintenance",
        "operational",
    )
    active = client.get("/api/v2/scheduled-maintenances/active.json").get_json()
    assert [m["name"] for m in active["scheduled_maintenances"]] == ["Database upgrade"]

    comms.post(action, data=fill(comms, url, action, status="verifying", body="Checking."))
    assert (item.status, api.status) == ("verifying", "under_maintenance")

    response = comms.post(
        action,
        data=fill(comms, url, action, status="completed", body="All done."),
        follow_redirects=True,
    )
    assert "Update posted." in text(response)
    assert (item.status, api.status, item.completed_at is not None) == (
        "completed",
        "operational",
        True,
    )
    assert [u.body for u in item.updates][:3] == ["All done.", "Checking.", "Work has begun."]
    public = text(client.get(f"/maintenance/{item.public_id}"))
    assert "All done." in public
    assert "Work has begun." in public


def test_a_completed_window_cannot_be_reopened(comms, text, api):
    item = upcoming([api])
    comms.post(
        f"/admin/maintenance/{item.id}/updates", data={"status": "completed", "body": "Done."}
    )
    assert item.status == "completed"
    response = comms.post(
        f"/admin/maintenance/{item.id}/updates", data={"status": "in_progress", "body": "Again."}
    )
    assert response.status_code == 400
    assert "This maintenance is completed; schedule a new window instead." in text(response)
    assert (item.status, api.status, count(MaintenanceUpdate)) == ("completed", "operational", 2)


def test_an_update_without_a_message_is_refused(comms, text, api):
    item = upcoming([api])
    response = comms.post(
        f"/admin/maintenance/{item.id}/updates", data={"status": "in_progress", "body": ""}
    )
    assert response.status_code == 400
    assert "Message (Markdown): This field is required." in text(response)
    assert (item.status, api.status, count(MaintenanceUpdate)) == ("scheduled", "operational", 1)


def test_editing_a_window_moves_it_and_the_audit_log_records_the_change(
    comms, fill, local, text, api
):
    item = upcoming([api])
    old_start = item.scheduled_for
    new_start = old_start + timedelta(days=1)
    url = f"/admin/maintenance/{item.id}"
    data = fill(
        comms,
        url,
        f"{url}/edit",
        name="Database upgrade (moved)",
        scheduled_for=local(new_start),
        scheduled_until=local(new_start + timedelta(hours=2)),
    )
    response = comms.post(f"{url}/edit", data=data, follow_redirects=True)
    assert "Maintenance details saved." in text(response)
    assert (item.name, item.scheduled_for) == ("Database upgrade (moved)", new_start)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "maintenance.edit"))
    assert event.actor == "casey@example.com"
    assert event.changes["scheduled_for"] == [old_start.isoformat(), new_start.isoformat()]


def test_an_edit_that_ends_the_window_before_it_starts_is_refused(comms, fill, local, text, api):
    item = upcoming([api])
    before = (item.name, item.scheduled_for, item.scheduled_until)
    url = f"/admin/maintenance/{item.id}"
    data = fill(
        comms,
        url,
        f"{url}/edit",
        name="Renamed",
        scheduled_until=local(item.scheduled_for - timedelta(hours=1)),
    )
    response = comms.post(f"{url}/edit", data=data)
    assert response.status_code == 400
    assert "The window must end after it starts." in text(response)
    assert (item.name, item.scheduled_for, item.scheduled_until) == before


def test_only_an_admin_deletes_maintenance_and_held_components_are_released(
    make_user, staff, comms, text, api
):
    item = upcoming([api], hours=-1)  # already in progress
    item_id = item.id
    assert api.status == "under_maintenance"
    assert comms.post(f"/admin/maintenance/{item_id}/delete").status_code == 403
    assert db.session.get(Maintenance, item_id) is not None

    admin = staff(make_user("admin", email="ada@example.com"))
    response = admin.post(f"/admin/maintenance/{item_id}/delete", follow_redirects=True)
    assert "Deleted Database upgrade." in text(response)
    assert db.session.get(Maintenance, item_id) is None
    assert api.status == "operational"
    log = text(admin.get("/admin/audit?target=maintenance"))
    assert "Deleted Database upgrade" in log
    assert "ada@example.com" in log


def test_scheduling_without_the_csrf_token_is_refused_and_changes_nothing(comms, local, text, api):
    start = utcnow() + timedelta(days=1)
    response = comms.client.post(
        "/admin/maintenance/new",
        data={
            "name": "Database upgrade",
            "scheduled_for": local(start),
            "scheduled_until": local(start + timedelta(hours=1)),
            "visibility": "public",
            "body": "We upgrade.",
            "components": [str(api.id)],
        },
    )
    assert response.status_code == 400
    assert "Nothing was changed" in text(response)
    assert count(Maintenance) == 0
