"""The subscriber screens: the list, adding one, quarantine and release, the delivery
lookup, CSV import and export."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.models import AuditEvent
from core.db import db
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import Message, create_broadcast
from tests.admin_subscribers.conftest import subscriber_named
from tests.forms import page_text

HEADER = "channel,address,audience,components,team\n"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def upload(client, text: str, action: str, name: str = "people.csv"):
    return client.post(
        "/admin/subscribers/import",
        data={"file": (io.BytesIO(text.encode()), name), "action": action},
    )


def test_the_list_searches_filters_and_counts_by_state(app, viewer, make_subscriber):
    make_subscriber("ann@example.com", "executives")
    make_subscriber("bob@example.com", "support")
    make_subscriber("bill@example.com", "support", state="pending")
    make_subscriber("bo@example.com", "support", state="quarantined")

    page = page_text(viewer.get("/admin/subscribers?q=B&audience=support"))

    assert "bob@example.com" in page and "bill@example.com" in page
    assert "ann@example.com" not in page
    assert 'data-state="active">1<' in page
    assert 'data-state="pending">1<' in page
    assert 'data-state="quarantined">1<' in page
    page = page_text(viewer.get("/admin/subscribers?state=quarantined"))
    assert "bo@example.com" in page and "bob@example.com" not in page
    assert "made quarantined by the test" in page  # the reason shows in the list
    assert "Add a subscriber" not in page and "Release" not in page  # viewers only look


def test_the_list_is_paginated(app, viewer, make_subscriber):
    for n in range(51):
        make_subscriber(f"p{n:02d}@example.com", "support")
    first = page_text(viewer.get("/admin/subscribers"))
    assert "p49@example.com" in first and "p50@example.com" not in first
    assert "page=2" in first
    assert "p50@example.com" in page_text(viewer.get("/admin/subscribers?page=2"))


def test_staff_add_an_internal_subscriber_who_is_active_at_once_with_a_notice(
    app, admin, make_component, make_team
):
    api = make_component("API")
    team = make_team("Platform")

    response = admin.post(
        "/admin/subscribers/new",
        data={
            "channel": "email",
            "address": " Oncall@Example.com ",
            "name": "On call",
            "audience": "engineering",
            "team_id": team.id,
            "component_ids": [api.id],
            "key_account": "y",
        },
    )

    assert response.status_code == 302
    subscriber = subscriber_named("oncall@example.com")
    assert response.headers["Location"].endswith(f"/admin/subscribers/{subscriber.id}")
    assert (subscriber.state, subscriber.team_id, subscriber.key_account) == (
        "active",
        team.id,
        True,
    )
    assert [s.component_id for s in subscriber.selections] == [api.id]
    notice = db.session.scalar(select(Broadcast).where(Broadcast.subscriber_id == subscriber.id))
    assert notice.kind == "added_notice"
    assert (
        db.session.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "subscriber.create")
        )
        == "Added email subscriber oncall@example.com (Engineering)"
    )
    page = page_text(admin.get(response.headers["Location"]))
    assert "active at once" in page and "API" in page and "Platform" in page


def test_a_bad_address_shows_the_error_and_creates_nothing(app, admin):
    response = admin.post(
        "/admin/subscribers/new",
        data={"channel": "sms", "address": "12345", "audience": "support", "team_id": 0},
    )
    assert response.status_code == 400
    assert "'12345' is not a valid phone number." in page_text(response)
    assert count(Subscriber) == 0 and count(Broadcast) == 0

    response = admin.post(
        "/admin/subscribers/new",
        data={"channel": "webhook", "address": "", "audience": "support", "team_id": 0},
    )
    assert response.status_code == 400
    assert "Address: This field is required." in page_text(response)
    assert count(Subscriber) == 0


def test_a_component_that_does_not_exist_is_refused(app, admin):
    response = admin.post(
        "/admin/subscribers/new",
        data={
            "channel": "email",
            "address": "a@example.com",
            "audience": "support",
            "team_id": 0,
            "component_ids": [999],
        },
    )
    assert response.status_code == 400
    assert count(Subscriber) == 0


def test_a_quarantined_subscriber_shows_the_reason_and_staff_can_release_it(
    app, admin, make_subscriber
):
    hook = make_subscriber(
        "https://hooks.example.com/down", "engineering", channel="webhook", state="quarantined"
    )
    hook.state_reason = "10 failed deliveries within an hour; last: HTTP 503"
    hook.failure_count = 10
    db.session.commit()

    page = page_text(admin.get(f"/admin/subscribers/{hook.id}"))
    assert "Quarantined:" in page and "last: HTTP 503" in page
    assert f'action="/admin/subscribers/{hook.id}/release"' in page

    response = admin.post(f"/admin/subscribers/{hook.id}/release")

    assert response.status_code == 302
    db.session.refresh(hook)
    assert (hook.state, hook.failure_count, hook.state_reason) == (
        "active",
        0,
        "released by staff",
    )
    assert "receives messages again" in page_text(admin.get(f"/admin/subscribers/{hook.id}"))
    assert (
        db.session.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "subscriber.release")
        )
        == "Released https://hooks.example.com/down from quarantine"
    )


def test_releasing_a_subscriber_that_is_not_quarantined_changes_nothing(
    app, admin, make_subscriber
):
    gone = make_subscriber("gone@example.com", state="unsubscribed")
    response = admin.post(f"/admin/subscribers/{gone.id}/release", follow_redirects=True)
    assert "Only a quarantined subscriber can be released." in page_text(response)
    db.session.refresh(gone)
    assert gone.state == "unsubscribed"


def test_the_delivery_lookup_lists_every_delivery_with_its_failure_reason(
    app, viewer, make_subscriber, make_deliveries
):
    person = make_subscriber("ann@example.com", "executives")
    other = make_subscriber("bob@example.com", "executives")
    first = create_broadcast("executives", Message("Database slow", "text"), source="t:1")
    second = create_broadcast("executives", Message("Database fixed", "text"), source="t:2")
    db.session.commit()
    make_deliveries(
        first, [(person, "bounced", 1, "550 mailbox unavailable"), (other, "sent", 1, "")]
    )
    make_deliveries(second, [(person, "queued", 2, "timed out; retrying")])

    page = page_text(viewer.get(f"/admin/subscribers/{person.id}"))

    assert "Database slow" in page and "Database fixed" in page
    assert "550 mailbox unavailable" in page
    assert "timed out; retrying" in page and "retrying</span>" in page
    assert f'href="/admin/broadcasts/{first.id}"' in page
    assert "bob@example.com" not in page


def test_checking_a_file_shows_the_report_and_changes_nothing(app, admin):
    text = (
        HEADER + "email,a@example.com,support,,\nemail,bad,support,,\nemail,c@example.com,board,,\n"
    )

    response = upload(admin, text, "check")

    page = page_text(response)
    assert response.status_code == 200
    assert "Check report" in page
    assert "3 rows: 1 would be added, 0 would be updated, 2 would be rejected." in page
    assert "Checked only: nothing was changed." in page
    assert "there is no audience called 'board'" in page
    assert "That email address is not valid" in page
    assert count(Subscriber) == 0 and count(Broadcast) == 0


def test_importing_a_file_adds_the_good_rows_and_reports_every_row(app, admin):
    text = HEADER + "email,a@example.com,support,,\nemail,bad,support,,\n"

    page = page_text(upload(admin, text, "import"))

    assert "Import report" in page
    assert "2 rows: 1 were added, 0 were updated, 1 were rejected." in page
    assert subscriber_named("a@example.com").state == "active"
    assert count(Broadcast) == 1  # the notice


def test_an_import_without_a_file_or_with_a_broken_file_says_why(app, admin):
    response = admin.post("/admin/subscribers/import", data={"action": "import"})
    assert response.status_code == 400
    assert "Choose a CSV file" in page_text(response)

    response = upload(admin, "just,some,words\n", "import")
    assert response.status_code == 400
    assert "The first row must be the header" in page_text(response)
    assert count(Subscriber) == 0


def test_the_export_downloads_a_csv_that_imports_again(app, admin, make_subscriber):
    make_subscriber("a@example.com", "support")
    make_subscriber("b@example.com", "support", state="quarantined")

    response = admin.get("/admin/subscribers/export")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="subscribers-')
    body = response.get_data(as_text=True)
    assert body.splitlines()[1:] == [
        "email,a@example.com,support,,,no,,active",
        "email,b@example.com,support,,,no,,quarantined",
    ]
    only = admin.get("/admin/subscribers/export?state=active").get_data(as_text=True)
    assert "b@example.com" not in only
    page = page_text(upload(admin, body, "check"))
    assert "2 rows: 0 would be added, 2 would be updated, 0 would be rejected." in page


def test_viewers_cannot_add_import_or_export(app, viewer):
    assert viewer.get("/admin/subscribers/new").status_code == 403
    assert viewer.get("/admin/subscribers/import").status_code == 403
    assert viewer.get("/admin/subscribers/export").status_code == 403
