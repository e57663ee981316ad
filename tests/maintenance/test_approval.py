"""Maintenance texts a person writes go public, and to customers, only once an approver
other than their author signs them off, while the customers' texts need approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.maintenance.services import (
    approve_maintenance_update,
    edit_maintenance,
    post_maintenance_update,
    schedule_maintenance,
    send_maintenance_reminders,
)
from app.models import utcnow
from core.db import db
from core.errors import ServiceError
from subscribers.audiences import get_audience
from subscribers.models import Broadcast
from tests.public_view import public_text


def sent_to() -> list[tuple[str, str]]:
    """(audience, source) of every maintenance broadcast, oldest first."""
    db.session.expire_all()
    found = db.session.scalars(
        select(Broadcast).where(Broadcast.kind == "maintenance").order_by(Broadcast.id)
    )
    return [(b.audience.key, b.source.split(":")[0]) for b in found]


@pytest.fixture
def people(make_user, audiences):
    return {"lead": make_user("comms_lead"), "approver": make_user("approver")}


def schedule(actor, component, body="We upgrade the database (window W-42).", hours=24):
    start = utcnow() + timedelta(hours=hours)
    maintenance = schedule_maintenance(
        actor, "Database upgrade", start, start + timedelta(hours=2), [component], body=body
    )
    db.session.commit()
    return maintenance


def test_a_notice_is_neither_public_nor_sent_to_customers_until_approved(
    people, make_component, client
):
    maintenance = schedule(people["lead"], make_component("Database"))
    [first] = maintenance.updates
    assert maintenance.awaiting_approval and not maintenance.is_public
    assert first.body == "" and "W-42" in first.pending_body
    assert "Database upgrade" not in public_text(client, maintenance)
    # Staff are told at once (they read the text); the customers are not.
    assert sent_to() == [("support", "maintenance_update"), ("engineering", "maintenance_update")]

    approve_maintenance_update(people["approver"], first)
    db.session.commit()
    assert maintenance.is_public and "W-42" in first.body and first.pending_body == ""
    assert first.approved_by_id == people["approver"].id
    shown = public_text(client, maintenance)
    assert "Database upgrade" in shown and "W-42" in shown
    assert sent_to().count(("customers", "maintenance_update")) == 1


def test_the_author_of_a_maintenance_text_cannot_approve_it(make_user, make_component, client):
    approver = make_user("approver")
    maintenance = schedule(approver, make_component("Database"))
    with pytest.raises(ServiceError, match="someone else has to approve it"):
        approve_maintenance_update(approver, maintenance.updates[0])
    with pytest.raises(ServiceError, match="Only an approver"):
        approve_maintenance_update(make_user("responder"), maintenance.updates[0])
    assert maintenance.awaiting_approval
    assert "Database upgrade" not in public_text(client, maintenance)
    assert ("customers", "maintenance_update") not in sent_to()


def test_no_reminder_goes_to_customers_before_the_notice_is_approved(people, make_component):
    maintenance = schedule(people["lead"], make_component("Database"), hours=2)
    assert send_maintenance_reminders(maintenance.scheduled_for - timedelta(minutes=30)) == 0
    approve_maintenance_update(people["approver"], maintenance.updates[0])
    assert send_maintenance_reminders(maintenance.scheduled_for - timedelta(minutes=30)) == 1


def test_a_later_update_by_a_person_waits_for_approval_too(people, make_component, client):
    maintenance = schedule(people["lead"], make_component("Database"))
    approve_maintenance_update(people["approver"], maintenance.updates[0])
    update = post_maintenance_update(
        people["lead"], maintenance, "in_progress", "Replica R-7 goes first."
    )
    db.session.commit()
    # The status changes at once; the words wait.
    assert maintenance.status == "in_progress" and update.body == ""
    assert "R-7" not in public_text(client, maintenance)
    before = sent_to().count(("customers", "maintenance_update"))
    approve_maintenance_update(people["approver"], update)
    db.session.commit()
    assert "R-7" in public_text(client, maintenance)
    assert sent_to().count(("customers", "maintenance_update")) == before + 1
    with pytest.raises(ServiceError, match="not waiting for approval"):
        approve_maintenance_update(people["approver"], update)


def test_when_customers_need_no_approval_a_notice_goes_out_at_once(people, make_component, client):
    get_audience("customers").needs_approval = False
    maintenance = schedule(people["lead"], make_component("Database"))
    assert maintenance.is_public and maintenance.updates[0].pending_body == ""
    assert "W-42" in public_text(client, maintenance)
    assert ("customers", "maintenance_update") in sent_to()


def test_an_internal_window_made_public_waits_for_approval(people, make_component, client):
    start = utcnow() + timedelta(hours=24)
    maintenance = schedule_maintenance(
        people["lead"],
        "Database upgrade",
        start,
        start + timedelta(hours=2),
        [make_component("Database")],
        body="Staff only: db-7 is replaced.",
        visibility="internal",
    )
    assert maintenance.updates[0].body == "Staff only: db-7 is replaced."  # internal: no wait
    edit_maintenance(people["lead"], maintenance, visibility="public")
    db.session.commit()
    assert maintenance.awaiting_approval and maintenance.updates[0].body == ""
    assert "db-7" not in public_text(client, maintenance)
    approve_maintenance_update(people["approver"], maintenance.updates[0])
    db.session.commit()
    assert "db-7" in public_text(client, maintenance)


def test_a_notice_approved_after_the_window_started_tells_customers_it_is_in_progress(
    people, make_component
):
    """Found in review: approving the scheduled text of a window that had meanwhile
    started told customers it was scheduled, and never that it was under way."""
    from app.maintenance.services import advance_maintenance

    maintenance = schedule(people["lead"], make_component("Database"), hours=1)
    advance_maintenance(maintenance.scheduled_for + timedelta(minutes=5))
    db.session.commit()
    assert maintenance.status == "in_progress"
    assert ("customers", "maintenance_update") not in sent_to()

    [pending] = [u for u in maintenance.updates if u.pending_body]
    approve_maintenance_update(people["approver"], pending)
    db.session.commit()
    db.session.expire_all()
    customers = db.session.scalars(
        select(Broadcast).where(Broadcast.kind == "maintenance").order_by(Broadcast.id)
    ).all()
    told = [b for b in customers if b.audience.key == "customers"]
    assert len(told) == 1
    assert "in progress" in told[0].subject.lower() or "under way" in told[0].subject.lower()
    assert "scheduled" not in told[0].subject.lower()


def test_a_window_announced_within_the_hour_before_it_starts_gets_no_reminder(
    people, make_component
):
    """Found by a new user: approved six minutes before its start, a window's
    announcement was followed four seconds later by "Reminder, starting in about an hour"."""
    maintenance = schedule(people["lead"], make_component("Database"), hours=0.1)
    [first] = maintenance.updates
    approve_maintenance_update(people["approver"], first)
    db.session.commit()
    assert sent_to().count(("customers", "maintenance_update")) == 1
    assert send_maintenance_reminders() == 0
    assert ("customers", "maintenance_reminder") not in sent_to()
