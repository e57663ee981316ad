"""Declaring a suggestion opens an *internal* incident: a machine wrote its name (which may
name an internal-only component), so the public page and the Statuspage API must not list
it until staff make it public. Here a critical alert on a tier-1 component suggests an
incident; after the claim, what the public sees is fixed, and declaring changes none of
it. The lead can then make it public and publish a customers text through the workflow."""

from __future__ import annotations

from datetime import timedelta

from app.comms import approval, drafting, publishing
from app.comms.context import Facts
from app.incidents.services import edit_incident
from app.models import utcnow
from app.signals.alerts import ingest_alertmanager
from app.signals.suggestions import DECLARED_NOTE, declare_suggestion
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, suggestions


def public_view(client) -> tuple[dict, str]:
    summary = client.get("/api/v2/summary.json").get_json()
    status = client.get("/api/v2/status.json").get_json()
    page = client.get("/").get_data(as_text=True)
    seen = {
        "indicator": summary["status"],
        "status_json": status["status"],
        "incidents": summary["incidents"],
        "components": {c["name"]: c["status"] for c in summary["components"]},
    }
    return seen, page


def test_declaring_changes_nothing_the_public_sees(app, client, make_component, make_user):
    make_component("Payments API", tier="tier1")
    made, _ = integration(min_firing_seconds=0, min_clear_seconds=0)
    alert = am_alert("LedgerPrimaryDown", severity="critical", herald_component="Payments API")
    alert["annotations"]["summary"] = "ledger-db-primary-7 replication broken"
    ingest_alertmanager(made, alertmanager(alert))
    db.session.commit()
    [suggestion] = suggestions()
    before, page_before = public_view(client)
    assert before["components"]["Payments API"] == "major_outage"  # the claim's (critical)

    lead = make_user("comms_lead", email="lead@example.com")
    incident = declare_suggestion(lead, suggestion)
    db.session.commit()

    assert incident.visibility == "internal" and incident.announced_at is None
    after, page_after = public_view(client)
    assert after == before
    assert after["incidents"] == []
    assert "ledger-db-primary-7" not in page_after and "ledger-db-primary-7" not in page_before
    assert "as an internal incident" in DECLARED_NOTE

    # Making it public is the lead's step; a customers text then goes through the workflow.
    edit_incident(lead, incident, name="Card payments are failing", visibility="public")
    sheet = drafting.compose(
        lead,
        incident,
        status="investigating",
        facts=Facts(
            summary="Some card payments fail.",
            customer_impact="Card payments may fail; retrying works.",
            next_update_at=utcnow() + timedelta(minutes=30),
        ),
        audiences=list(drafting.allowed_audiences(incident)),
    )
    assert "customers" in {d.audience_key for d in sheet.drafts}
    approver = make_user("approver", email="approver@example.com")
    for draft in sheet.drafts:
        if draft.needs_approval:
            approval.approve(approver, draft)
    db.session.commit()
    publishing.publish(lead, sheet)
    db.session.commit()
    published, page = public_view(client)
    assert [i["name"] for i in published["incidents"]] == ["Card payments are failing"]
    assert "Some card payments fail" in page or "Card payments are failing" in page


def test_a_declared_suggestion_does_not_hold_its_status_after_the_alert_clears(
    app, client, make_component, make_user
):
    api = make_component("Payments API", tier="tier1")
    made, _ = integration(min_firing_seconds=0, min_clear_seconds=0)
    firing = am_alert("LedgerPrimaryDown", severity="critical", herald_component="Payments API")
    ingest_alertmanager(made, alertmanager(firing))
    db.session.commit()
    [suggestion] = suggestions()
    incident = declare_suggestion(make_user("comms_lead", email="lead@example.com"), suggestion)
    db.session.commit()
    assert [(link.component.name, link.status) for link in incident.affected] == [
        ("Payments API", "major_outage")
    ]
    assert (api.status, api.signal_held) == ("major_outage", False)  # still the alert's

    resolved = am_alert(
        "LedgerPrimaryDown", severity="critical", herald_component="Payments API", status="resolved"
    )
    ingest_alertmanager(made, alertmanager(resolved))
    db.session.commit()
    db.session.refresh(api)
    # The alert cleared: the component is operational again on every page; the internal
    # incident stays open for staff to resolve.
    assert api.status == "operational"
    assert public_view(client)[0]["components"]["Payments API"] == "operational"
    assert incident.status != "resolved"
