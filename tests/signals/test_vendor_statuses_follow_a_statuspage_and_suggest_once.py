"""A Statuspage vendor's components drive the Herald components mapped to them: the
claim says "Reported by <vendor>" and links the vendor's incident, a degradation
suggests an incident once, a resolution hands the component back, and an older copy
of the document changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Component, SuggestedIncident, VendorSource
from app.signals.claims import claims_on
from app.signals.polling import poll_due
from app.signals.vendors import create_source, handle
from core.db import db
from core.time import utcnow
from tests.signals.vendor_fake import FakeVendor, statuspage_summary
from tests.signals.vendor_world import ensure_suggestions_can_be_notified

PATH = "/api/v2/summary.json"
OUTAGE = {
    "id": "inc42",
    "name": "Elevated card authorisation errors",
    "status": "identified",
    "impact": "major",
    "components": ["Card Authorisation"],
    "updates": [
        ("investigating", "We are investigating errors.", "2026-12-07T07:50:00.000Z"),
        ("identified", "A faulty deploy was found; rolling back.", "2026-12-07T07:58:00.000Z"),
    ],
}


@pytest.fixture
def vendor():
    with FakeVendor() as fake:
        fake.documents[PATH] = statuspage_summary(
            {"Card Authorisation": "operational", "Dashboard": "operational"}
        )
        yield fake


@pytest.fixture
def source(app, vendor, make_component):
    ensure_suggestions_can_be_notified()
    payments = make_component("Payments", tier="tier1")
    make_component("Dashboard")
    made = create_source(
        None,
        name="Acme Payments",
        url=vendor.url + PATH,
        kind="statuspage",
        components={"Card Authorisation": payments.public_id, "Dashboard": "dashboard"},
    )
    db.session.commit()
    return made


def poll(at):
    return poll_due(VendorSource, handle, now=at)


def component(name: str) -> Component:
    db.session.expire_all()
    return db.session.scalar(select(Component).where(Component.name == name))


def suggestions() -> list[SuggestedIncident]:
    return list(db.session.scalars(select(SuggestedIncident)))


def test_a_vendor_outage_claims_the_mapped_component_and_suggests_once(vendor, source):
    now = utcnow()
    assert poll(now) == 1
    assert component("Payments").status == "operational"
    assert suggestions() == []
    assert source.poll_state == "ok" and source.last_success_at is not None

    vendor.documents[PATH] = statuspage_summary(
        {"Card Authorisation": "partial_outage", "Dashboard": "operational"},
        [OUTAGE],
        updated_at="2026-12-07T08:05:00.000Z",
    )
    assert poll(now + timedelta(minutes=2)) == 1
    payments = component("Payments")
    assert payments.status == "partial_outage"
    assert component("Dashboard").status == "operational"
    (signal,) = claims_on(payments.id)
    assert signal.reason == "Reported by Acme Payments"
    assert signal.link == "https://stspg.example/inc42"
    assert signal.public is True

    db.session.refresh(source)
    assert source.snapshot["components"] == [
        {"name": "Card Authorisation", "status": "partial_outage"},
        {"name": "Dashboard", "status": "operational"},
    ]
    (incident,) = source.snapshot["incidents"]
    assert incident["name"] == "Elevated card authorisation errors"
    assert incident["link"] == "https://stspg.example/inc42"
    assert incident["impact"] == "major" and incident["status"] == "identified"

    (suggested,) = suggestions()
    assert suggested.origin == "vendor"
    assert suggested.key == f"vendor:{source.id}:inc42"
    assert suggested.name == "Elevated card authorisation errors"
    assert suggested.impact == "major"
    assert suggested.component_statuses == {str(payments.id): "partial_outage"}
    assert "rolling back" in suggested.facts  # the vendor's latest update
    assert suggested.link == "https://stspg.example/inc42"

    # The vendor says more and worse: still one suggestion, the status follows.
    vendor.documents[PATH] = statuspage_summary(
        {"Card Authorisation": "major_outage", "Dashboard": "operational"},
        [OUTAGE],
        updated_at="2026-12-07T08:10:00.000Z",
    )
    poll(now + timedelta(minutes=4))
    assert component("Payments").status == "major_outage"
    assert len(suggestions()) == 1

    # Resolved: the claim is withdrawn and the component is operational again.
    vendor.documents[PATH] = statuspage_summary(
        {"Card Authorisation": "operational", "Dashboard": "operational"},
        [dict(OUTAGE, status="resolved")],
        updated_at="2026-12-07T08:30:00.000Z",
    )
    poll(now + timedelta(minutes=6))
    payments = component("Payments")
    assert payments.status == "operational"
    assert claims_on(payments.id) == []
    db.session.refresh(source)
    assert source.snapshot["incidents"] == []


def test_an_older_copy_of_the_document_changes_nothing(vendor, source):
    now = utcnow()
    vendor.documents[PATH] = statuspage_summary(
        {"Card Authorisation": "major_outage", "Dashboard": "operational"},
        [OUTAGE],
        updated_at="2026-12-07T08:10:00.000Z",
    )
    poll(now)
    assert component("Payments").status == "major_outage"
    # A cache still serving the copy from before the outage.
    vendor.documents[PATH] = statuspage_summary(
        {"Card Authorisation": "operational", "Dashboard": "operational"},
        updated_at="2026-12-07T07:00:00.000Z",
    )
    poll(now + timedelta(minutes=2))
    assert component("Payments").status == "major_outage"
    db.session.refresh(source)
    assert source.snapshot["components"][0]["status"] == "major_outage"


def test_a_status_set_by_hand_wins_over_the_vendor(vendor, source, make_user):
    from app.status.components import follow_signals, set_component_status

    vendor.documents[PATH] = statuspage_summary(
        {"Card Authorisation": "degraded_performance", "Dashboard": "operational"},
        updated_at="2026-12-07T08:10:00.000Z",
    )
    poll(utcnow())
    payments = component("Payments")
    assert payments.status == "degraded_performance"
    (suggested,) = suggestions()
    assert suggested.key == f"vendor:{source.id}:Card Authorisation"
    assert suggested.name == "Acme Payments reports degraded performance (Card Authorisation)"
    assert suggested.impact == "minor"
    admin = make_user("admin")
    set_component_status(admin, payments, "operational")
    db.session.commit()
    assert component("Payments").status == "operational"
    follow_signals(admin, component("Payments"))
    db.session.commit()
    assert component("Payments").status == "degraded_performance"
