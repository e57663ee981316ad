"""A signal about components an open incident already covers is not a second suggested
incident: it is kept on that incident (its internal page says "Signal seen: …") and the
incident team is told once. Components no open incident covers are still suggested; a
resolved incident covers nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.incidents.services import post_incident_update
from app.models import AuditEvent, IncidentSignal, SuggestedIncident
from app.signals.suggestions import suggest
from core.db import db
from tests.comms.worldkit import build_world, declare
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, post_alertmanager, shown, suggestions
from tests.signals.suggestion_world import delivered

HOSTILE = "Stripe: <script>alert(1)</script> card errors"


@pytest.fixture
def world(app, audiences):
    return build_world()


def kept() -> list[IncidentSignal]:
    db.session.expire_all()
    return list(db.session.scalars(select(IncidentSignal).order_by(IncidentSignal.id)))


def vendor_says(world, *names: str, key: str = "vendor:9:inc-1", name: str = "Stripe: errors"):
    result = suggest(
        "vendor",
        key,
        name=name,
        impact="major",
        component_statuses={world.components[n].id: "partial_outage" for n in names},
        facts="Stripe reports elevated error rates.",
        link="https://status.stripe.example/incidents/inc-1",
    )
    db.session.commit()
    return result


def test_an_alert_on_a_covered_component_joins_the_open_incident_and_is_told_once(world, client):
    incident = declare(world, "Card payments failing", "major", {"Card payments": "major_outage"})
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    firing = alertmanager(am_alert(severity="critical", herald_component="Card payments"))
    resolved = alertmanager(
        am_alert(status="resolved", severity="critical", herald_component="Card payments")
    )

    for payload in (firing, firing, resolved, firing):
        assert post_alertmanager(client, token, payload).status_code == 200

    assert suggestions() == []
    [signal] = kept()
    assert (signal.incident_id, signal.origin) == (incident.id, "alert")
    assert signal.component_statuses == {str(world.components["Card payments"].id): "major_outage"}
    notices = delivered("suggestion", source_prefix="incident-signal:")
    assert notices, "the incident team is told"
    assert {d["audience"] for d in notices} <= {"engineering", "executives", "support"}
    assert len({d["source"] for d in notices}) == len({d["audience"] for d in notices})
    email = next(d for d in notices if d["channel"] == "email")
    assert email["subject"] == (
        "Signal seen on the open incident Card payments failing: HighErrorRate on the payments API"
    )
    assert "no second incident was suggested" in email["text"]
    assert f"/internal/incidents/{incident.public_id}" in email["text"]
    # The alert still claims its component as before; only the suggestion is spared.
    assert shown(world.components["Card payments"]) == "major_outage"
    audits = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.signal")
    ).all()
    assert len(audits) == 1


def test_a_partly_covered_signal_suggests_only_the_components_left(world):
    incident = declare(world, "Card payments failing", "major", {"Card payments": "major_outage"})

    suggestion = vendor_says(world, "Card payments", "Mobile app")

    assert suggestion is not None
    assert suggestion.component_statuses == {
        str(world.components["Mobile app"].id): "partial_outage"
    }
    assert suggestion.component_ids == [world.components["Mobile app"].id]
    [signal] = kept()
    assert signal.incident_id == incident.id
    assert signal.component_statuses == {
        str(world.components["Card payments"].id): "partial_outage"
    }
    sources = {d["source"].split(":")[0] for d in delivered("suggestion")}
    assert sources == {"suggestion", "incident-signal"}


def test_a_fully_covered_vendor_signal_makes_no_suggestion(world):
    declare(
        world,
        "Payments down",
        "major",
        {"Card payments": "major_outage", "API": "degraded_performance"},
    )

    assert vendor_says(world, "Card payments", "API") is None
    assert vendor_says(world, "Card payments", "API") is None  # the vendor says it again

    assert db.session.scalars(select(SuggestedIncident)).all() == []
    [signal] = kept()
    assert signal.origin == "vendor"
    assert len({d["source"] for d in delivered("suggestion")}) == len(
        {d["audience"] for d in delivered("suggestion")}
    )


def test_a_resolved_incident_covers_nothing_so_the_signal_is_suggested_as_before(world):
    incident = declare(world, "Card payments failing", "major", {"Card payments": "major_outage"})
    post_incident_update(None, incident, "resolved", "Fixed.", {}, deliver_notifications=False)
    db.session.commit()

    suggestion = vendor_says(world, "Card payments")

    assert suggestion is not None and suggestion.state == "open"
    assert suggestion.component_statuses == {
        str(world.components["Card payments"].id): "partial_outage"
    }
    assert kept() == []
    assert {d["source"].split(":")[0] for d in delivered("suggestion")} == {"suggestion"}


def test_the_internal_incident_page_shows_the_signal_seen_as_text(world, make_user, staff):
    incident = declare(world, "Card payments failing", "major", {"Card payments": "major_outage"})
    viewer = make_user("viewer", email="viewer@example.com")
    vendor_says(world, "Card payments", name=HOSTILE)

    page = staff(viewer).get(f"/internal/incidents/{incident.public_id}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Signals seen" in html
    assert "Signal seen: Stripe: &lt;script&gt;alert(1)&lt;/script&gt; card errors" in html
    assert "<script>alert(1)" not in html
    assert "Card payments: partial outage" in html
    assert 'href="https://status.stripe.example/incidents/inc-1"' in html
    # Customers see none of it.
    public = staff(viewer).get(f"/incidents/{incident.public_id}")
    assert "Signal seen" not in public.get_data(as_text=True)
