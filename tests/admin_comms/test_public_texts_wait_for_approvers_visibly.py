"""Postmortems and maintenance notices sent for approval are seen by the approvers who
must act, as drafts are: each approver who did not write the text is told once (email,
and SMS with a phone number), and it is on their "Waiting for you" list until approved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.incidents.postmortems import approve_postmortem, save_postmortem
from app.incidents.services import post_incident_update
from app.maintenance.services import approve_maintenance_update, schedule_maintenance
from app.models import utcnow
from core.db import db
from tests.admin_comms.test_approvals_reach_the_people_who_act import nav, staff_notices


@pytest.fixture
def approver(make_user):
    return make_user(
        "approver", email="pr@example.com", name="Robin Approver", phone="+44 7911 123456"
    )


@pytest.fixture
def author(make_user):
    """An approver who writes: never asked to approve their own words."""
    return make_user("approver", email="ana@example.com", name="Ana Author")


def dashboard(client) -> str:
    return client.get("/admin/").get_data(as_text=True)


def test_a_postmortem_sent_for_approval_reaches_the_other_approvers_once(
    incident, approver, author, staff
):
    post_incident_update(None, incident, "resolved", "Fixed.")
    save_postmortem(author, incident, "What happened, and what we change.", publish=True)
    save_postmortem(author, incident, "What happened, and what we change.", publish=True)
    db.session.commit()
    notices = staff_notices("approval_request")
    assert [(n["channel"], n["address"]) for n in notices] == [
        ("email", "pr@example.com"),
        ("sms", "+447911123456"),
    ]
    assert notices[0]["subject"] == "A postmortem waits for your approval: Card payments failing"
    assert "Ana Author sent the postmortem" in notices[0]["text"]
    assert f"/admin/incidents/{incident.id}#postmortem-pending" in notices[0]["text"]

    robin, ana = staff(approver), staff(author)
    page = dashboard(robin)
    assert "Waiting for you (1)" in nav(page)
    assert "Postmortem: approve and publish" in page
    assert "Postmortem:" not in dashboard(ana)  # the author's move is done

    approve_postmortem(approver, incident)
    db.session.commit()
    assert "Postmortem:" not in dashboard(robin)


def test_a_maintenance_notice_sent_for_approval_reaches_the_other_approvers(
    app, audiences, components, approver, author, staff
):
    start = utcnow() + timedelta(days=1)
    window = schedule_maintenance(
        author,
        "Database upgrade",
        start,
        start + timedelta(hours=2),
        [components["api"]],
        body="We upgrade the database; payments may pause for a minute.",
    )
    db.session.commit()
    [update] = window.updates
    assert update.pending_body
    notices = staff_notices("approval_request")
    assert {n["address"] for n in notices} == {"pr@example.com", "+447911123456"}
    assert notices[0]["subject"] == (
        "A maintenance notice waits for your approval: Database upgrade"
    )
    assert f"/admin/maintenance/{window.id}#pending-{update.public_id}" in notices[0]["text"]
    page = dashboard(staff(approver))
    assert "Maintenance notice: approve and publish" in page
    assert f"/admin/maintenance/{window.id}#pending-{update.public_id}" in page

    approve_maintenance_update(approver, update)
    db.session.commit()
    assert "Maintenance notice:" not in dashboard(staff(approver))
