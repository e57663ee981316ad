"""A signal's suggested incident alerts the incident team at once: the engineers always,
and the internal audiences the escalation rules name for that impact and those
components, by email and SMS as each subscriber asked; never the customers. The alert
says what was heard, from where, the components and statuses claimed, the facts, and
links to the dashboard's suggestion."""

from __future__ import annotations

import pytest

from app.signals.suggestions import suggest
from core.db import db
from tests.comms.worldkit import WEB_PHONE, build_world
from tests.signals.suggestion_world import delivered, vendor_suggestion


@pytest.fixture
def world(app, audiences):
    return build_world()


def test_the_engineers_hear_by_email_and_sms_and_customers_hear_nothing(world):
    suggestion = vendor_suggestion(world)
    sent = delivered("suggestion")
    assert {d["audience"] for d in sent} == {"engineering", "executives"}
    by_address = {(d["channel"], d["address"]) for d in sent}
    assert ("email", "payments@example.com") in by_address
    assert ("sms", WEB_PHONE) in by_address
    assert not any(d["address"] == "buyer@example.com" for d in sent)
    email = next(d for d in sent if d["channel"] == "email" and d["audience"] == "engineering")
    assert email["subject"] == (
        "Suggested incident (major impact): Stripe: Elevated error rates on card authorisations"
    )
    text = email["text"]
    assert "a vendor's status page" in text
    assert "Card payments: Partial outage" in text
    assert "We are investigating <b>elevated</b> error rates" in text
    assert "https://status.stripe.example/incidents/abc123" in text
    assert f"https://status.example.com/admin/suggested-incidents/{suggestion.public_id}" in text
    sms = next(d["sms"] for d in sent if d["channel"] == "sms")
    assert "suggested incident" in sms and suggestion.public_id in sms


def test_a_tier1_component_brings_the_executives_in_as_escalation_would(world):
    """Card payments is tier 1 in partial outage (major impact, whatever the signal
    chose): the default rules alert the executives as for a declared incident."""
    vendor_suggestion(world, impact="none")
    assert "ceo@example.com" in {d["address"] for d in delivered("suggestion")}


def test_a_minor_suggestion_on_a_tier2_component_alerts_only_the_engineers(world):
    suggest(
        "alert",
        "alert:mobile",
        name="Alert: MobileSlow",
        impact="minor",
        component_statuses={world.components["Mobile app"].id: "degraded_performance"},
        facts="p95 latency above 2 s for 10 minutes",
    )
    db.session.commit()
    sent = delivered("suggestion")
    assert sent and {d["audience"] for d in sent} == {"engineering"}
    assert "the alert" not in sent[0]["text"] and "monitoring" in sent[0]["text"]


def test_a_repeated_signal_alerts_once(world):
    first = vendor_suggestion(world)
    again = vendor_suggestion(world, facts="Stripe: still investigating.")
    assert again.id == first.id and again.facts == "Stripe: still investigating."
    sources = {d["source"] for d in delivered("suggestion")}
    assert sources == {f"suggestion:{first.id}:engineering", f"suggestion:{first.id}:executives"}
