"""Update cadence: every unresolved incident has a time its next update is due (the
customers audience's cadence for its impact, or the time the last update promised);
when it passes, the communications lead is reminded once per missed update, and the
admin shows the incident as overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.comms import cadence
from app.comms.approval import approve, override
from app.comms.context import Facts
from app.comms.drafting import compose, discard
from app.comms.publishing import publish
from app.incidents.services import post_incident_update
from app.models import utcnow
from core.db import db
from subscribers.audiences import get_audience
from subscribers.models import Delivery
from subscribers.outbox import expand_broadcast
from subscribers.worker import run_periodic_jobs
from tests.comms.worldkit import broadcasts, declare


@pytest.fixture
def lead(make_user):
    return make_user("comms_lead", email="casey@example.com", name="Casey Lead")


def reminders() -> list[tuple[str, str]]:
    """(address, subject) of each reminder, in order."""
    found = []
    for broadcast in broadcasts("cadence_reminder"):
        expand_broadcast(broadcast.id)
        address = db.session.scalar(
            select(Delivery.address).where(Delivery.broadcast_id == broadcast.id)
        )
        found.append((address, broadcast.subject))
    return found


@pytest.mark.parametrize(("impact", "minutes"), [("critical", 30), ("major", 60), ("minor", 120)])
def test_declaring_sets_when_the_first_update_is_due(world, impact, minutes):
    incident = declare(world, "Mobile app errors", impact, {"Mobile app": "partial_outage"})
    assert incident.next_update_due_at == incident.started_at + timedelta(minutes=minutes)


def test_after_an_update_the_next_is_due_per_the_customers_cadence(world):
    customers = get_audience("customers")
    customers.cadence = {"minor": 15}
    db.session.commit()
    incident = declare(world, "Mobile app slow", "minor", {"Mobile app": "degraded_performance"})
    assert incident.next_update_due_at == incident.started_at + timedelta(minutes=15)
    at = utcnow()
    post_incident_update(None, incident, "identified", "Found it.", {}, at=at)
    db.session.commit()
    assert incident.next_update_due_at == at + timedelta(minutes=15)
    # Resolved: nothing more is due.
    post_incident_update(None, incident, "resolved", "Fixed.", {})
    db.session.commit()
    assert incident.next_update_due_at is None


def test_a_backfilled_incident_has_no_due_time(world):
    started = utcnow() - timedelta(days=2)
    incident = declare(
        world, "Old outage", "major", {"Mobile app": "partial_outage"}, started_at=started
    )
    assert incident.next_update_due_at is None
    assert cadence.overdue() == []


def test_a_published_update_makes_its_promised_time_the_due_time(world, lead, make_user):
    incident = declare(
        world, "Mobile app errors", "major", {"Mobile app": "partial_outage"}, actor=lead
    )
    assert incident.comms_lead_id == lead.id
    promised = (utcnow() + timedelta(minutes=20)).replace(microsecond=0)
    sheet = compose(
        lead,
        incident,
        status="identified",
        facts=Facts(
            summary="Some screens of the mobile app fail to load.", next_update_at=promised
        ),
        audiences=["customers", "engineering"],
    )
    db.session.commit()
    approver = make_user("approver")
    for draft in sheet.drafts:
        assert not [f for f in draft.findings if f["severity"] == "error"], draft.findings
        if draft.needs_approval:
            approve(approver, draft)
    publish(lead, sheet, notify={"customers": False, "engineering": False})
    db.session.commit()
    assert incident.next_update_due_at == promised


def test_the_lead_is_reminded_once_per_missed_update(world, lead):
    incident = declare(
        world, "Mobile app errors", "critical", {"Mobile app": "partial_outage"}, actor=lead
    )
    due = incident.next_update_due_at
    assert cadence.remind_overdue(now=due - timedelta(minutes=1)) == 0
    assert cadence.overdue(now=due + timedelta(minutes=7)) == [incident]
    assert cadence.remind_overdue(now=due + timedelta(minutes=7)) == 1
    db.session.commit()
    assert reminders() == [("casey@example.com", "Update overdue by 7 min: Mobile app errors")]
    [broadcast] = broadcasts("cadence_reminder")
    assert broadcast.audience.key == "staff"
    assert "Hello Casey Lead" in broadcast.text_body
    assert f"/admin/incidents/{incident.id}" in broadcast.text_body
    # Not twice for the same due time, however often the job runs.
    assert cadence.remind_overdue(now=due + timedelta(minutes=8)) == 0
    assert cadence.remind_overdue(now=due + timedelta(hours=2)) == 0
    db.session.commit()
    assert len(reminders()) == 1

    # An update sets a new due time; missing that one reminds again.
    at = utcnow()
    post_incident_update(lead, incident, "identified", "Found it.", {}, at=at)
    db.session.commit()
    assert incident.next_update_due_at == at + timedelta(minutes=30)
    assert cadence.remind_overdue(now=at + timedelta(minutes=31)) == 1
    db.session.commit()
    assert [subject for _, subject in reminders()] == [
        "Update overdue by 7 min: Mobile app errors",
        "Update overdue by 1 min: Mobile app errors",
    ]
    # A resolved incident is never overdue.
    post_incident_update(lead, incident, "resolved", "Fixed.", {})
    db.session.commit()
    assert cadence.remind_overdue(now=at + timedelta(days=1)) == 0


def test_without_a_lead_every_active_comms_lead_is_reminded(world, make_user):
    make_user("comms_lead", email="one@example.com")
    make_user("comms_lead", email="two@example.com")
    gone = make_user("comms_lead", email="gone@example.com")
    gone.active = False
    make_user("responder", email="responder@example.com")
    db.session.commit()
    incident = declare(world, "Mobile app errors", "major", {"Mobile app": "partial_outage"})
    assert incident.comms_lead_id is None
    assert cadence.remind_overdue(now=incident.next_update_due_at + timedelta(minutes=1)) == 2
    db.session.commit()
    assert sorted(address for address, _ in reminders()) == ["one@example.com", "two@example.com"]


def test_the_worker_reminds_and_the_admin_shows_the_incident_overdue(app, world, lead, staff):
    incident = declare(
        world, "Mobile app errors", "major", {"Mobile app": "partial_outage"}, actor=lead
    )
    client = staff(lead)
    page = client.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert "Next update due" in page and "overdue</span>" not in page

    incident.next_update_due_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    run_periodic_jobs(app)  # what the worker does every few seconds
    assert [address for address, _ in reminders()] == ["casey@example.com"]
    page = client.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert 'tag-overdue">overdue</span>' in page
    run_periodic_jobs(app)
    assert len(reminders()) == 1

    # The internal page says when the next update is due.
    internal = client.get(f"/internal/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Next update due" in internal


def test_a_set_that_raises_the_impact_brings_the_reminder_forward_until_discarded(world, lead):
    """Found by a persona tryout: the reminder kept the pace of the impact the incident
    was declared with while the lead drafted an update raising it. The pace is the
    impact the next update will say: the newest set not yet published, else the last
    published one's."""
    incident = declare(
        world, "Mobile app slow", "minor", {"Mobile app": "degraded_performance"}, actor=lead
    )
    started = incident.started_at
    assert incident.next_update_due_at == started + timedelta(minutes=120)
    sheet = compose(
        lead,
        incident,
        status="identified",
        impact="critical",
        facts=Facts(summary="The mobile app fails for everyone."),
        audiences=["customers"],
    )
    db.session.commit()
    assert incident.impact == "minor"  # nothing is published yet
    assert cadence.pace_impact(incident) == "critical"
    assert incident.next_update_due_at == started + timedelta(minutes=30)
    assert cadence.remind_overdue(now=started + timedelta(minutes=31)) == 1
    # Discarded: the incident's own impact sets the pace again.
    discard(lead, sheet)
    db.session.commit()
    assert cadence.pace_impact(incident) == "minor"
    assert incident.next_update_due_at == started + timedelta(minutes=120)


def test_a_set_that_lowers_the_impact_paces_the_next_update_after_publishing(world, lead):
    incident = declare(
        world,
        "Mobile app errors",
        "critical",
        {"Mobile app": "partial_outage"},
        actor=lead,
        visibility="internal",
    )
    sheet = compose(
        lead,
        incident,
        status="monitoring",
        impact="minor",
        facts=Facts(summary="A fix is in place; we are watching the mobile app."),
        audiences=["engineering"],
    )
    db.session.commit()
    assert incident.next_update_due_at == incident.started_at + timedelta(minutes=120)
    [draft] = sheet.drafts
    [finding] = draft.findings  # no next-update time: the cadence sets it
    assert finding["code"] == "no_next_update"
    override(lead, draft, f"no_next_update:facts:{finding['start']}", "Paced by the cadence.")
    publish(lead, sheet, notify={"engineering": False})
    db.session.commit()
    assert incident.impact == "minor"
    assert incident.next_update_due_at == sheet.published_at + timedelta(minutes=120)


def test_a_promised_time_stays_whatever_impact_the_next_set_says(world, lead):
    incident = declare(
        world,
        "Mobile app errors",
        "major",
        {"Mobile app": "partial_outage"},
        actor=lead,
        visibility="internal",
    )
    promised = (utcnow() + timedelta(minutes=50)).replace(microsecond=0)
    first = compose(
        lead,
        incident,
        status="identified",
        facts=Facts(summary="Some screens fail to load.", next_update_at=promised),
        audiences=["engineering"],
    )
    publish(lead, first, notify={"engineering": False})
    db.session.commit()
    assert incident.next_update_due_at == promised
    compose(
        lead,
        incident,
        status="identified",
        impact="critical",
        facts=Facts(summary="Every screen fails to load."),
        audiences=["engineering"],
    )
    db.session.commit()
    assert incident.next_update_due_at == promised
