"""Declaring a suggested incident is the staff declaration, as an internal incident, with
the signal's name, impact and the statuses its source still claims and no first message:
nothing is published, the public page does not list it, no customer is told; the
signal's facts are the first fact sheet's, drafted for the internal audiences for the
workflow to check, approve and publish. A second declaration changes nothing;
dismissing keeps the reason; both are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Draft, FactSheet
from app.signals.suggestions import declare_suggestion, dismiss_suggestion
from core.db import db
from core.errors import Conflict, ServiceError
from core.time import utcnow
from tests.comms.worldkit import build_world
from tests.signals.suggestion_world import delivered, vendor_suggestion


@pytest.fixture
def world(app, audiences):
    return build_world()


@pytest.fixture
def lead(make_user):
    return make_user("comms_lead", email="lead@example.com")


def test_the_incident_is_declared_with_the_signal_and_nothing_is_published(world, lead):
    suggestion = vendor_suggestion(world)
    delivered()  # the suggestion's own alerts, expanded: not what this test is about
    incident = declare_suggestion(lead, suggestion)
    db.session.commit()
    assert incident.name == "Stripe: Elevated error rates on card authorisations"
    assert incident.impact == "minor" and incident.visibility == "internal"
    assert {link.component.name: link.status for link in incident.affected} == {
        "Card payments": "partial_outage"
    }
    assert world.components["Card payments"].status == "partial_outage"
    assert incident.updates == [] and incident.announced_at is None
    [sheet] = db.session.scalars(select(FactSheet).where(FactSheet.incident_id == incident.id))
    assert sheet.summary == "Stripe reports: Elevated error rates on card authorisations."
    assert "We are investigating <b>elevated</b> error rates" in sheet.technical_detail
    assert "https://status.stripe.example/incidents/abc123" in sheet.technical_detail
    assert sheet.published_at is None
    # A next update from the cadence, so the drafts promise one (found by a new user: every
    # draft of a declared suggestion warned that it gave no next-update time).
    assert sheet.next_update_at is not None and sheet.next_update_at > utcnow()
    assert not [f for d in sheet.drafts for f in d.findings if f["code"] == "no_next_update"]
    assert {d.state for d in sheet.drafts} <= {"pending", "approved"}
    keys = {d.audience_key for d in sheet.drafts}
    assert "engineering" in keys and not keys & {"customers", "press"}
    # Customers hear nothing: no broadcast reaches a customer subscriber.
    assert not [d for d in delivered() if d["audience"] == "customers"]
    assert (suggestion.state, suggestion.incident_id, suggestion.decided_by_id) == (
        "declared",
        incident.id,
        lead.id,
    )
    assert suggestion.decided_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"suggestion.declare", "incident.declare", "draft.compose"} <= actions


def test_a_second_declaration_returns_the_same_incident_and_changes_nothing(world, lead):
    suggestion = vendor_suggestion(world)
    first = declare_suggestion(lead, suggestion)
    db.session.commit()
    counts = (db.session.query(FactSheet).count(), db.session.query(Draft).count())
    again = declare_suggestion(lead, suggestion)
    db.session.commit()
    assert again.id == first.id
    assert (db.session.query(FactSheet).count(), db.session.query(Draft).count()) == counts
    with pytest.raises(Conflict):
        dismiss_suggestion(lead, suggestion, "too late")


def test_dismissing_keeps_the_reason_and_cannot_then_declare(world, lead):
    suggestion = vendor_suggestion(world)
    dismiss_suggestion(lead, suggestion, "  Stripe's   test mode only ")
    db.session.commit()
    assert suggestion.state == "dismissed" and suggestion.decided_by_id == lead.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "suggestion.dismiss"))
    assert event.summary.endswith(": Stripe's test mode only")
    dismiss_suggestion(lead, suggestion, "again")  # twice: nothing more
    db.session.commit()
    assert (
        db.session.query(AuditEvent).filter(AuditEvent.action == "suggestion.dismiss").count() == 1
    )
    with pytest.raises(Conflict):
        declare_suggestion(lead, suggestion)
    with pytest.raises(ServiceError):
        dismiss_suggestion(lead, vendor_suggestion(world, key="vendor:other"), "x" * 501)
