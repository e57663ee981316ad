"""Impact agrees with the components: one rule says what impact component statuses imply;
a lower chosen impact is kept (a warning), but wherever Herald tells people an impact
(escalation, the page's indicator and incident cards, the JSON, the teams' roll calls,
the drafts, the update pace) it goes by the higher of the two."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.comms.context import Facts
from app.comms.drafting import compose
from app.comms.escalation import save_rule
from app.incidents.services import declare_incident, post_incident_update
from app.models import utcnow
from app.status.components import add_dependency
from app.status.impact import advise, effective_impact, impact_advice, implied_impact
from core.db import db
from tests.comms.worldkit import broadcasts, build_world, declare


@pytest.fixture
def world(app, audiences):
    return build_world()


@pytest.mark.parametrize(
    ("component", "status", "implied"),
    [
        ("Card payments", "major_outage", "major"),  # tier 1
        ("Mobile app", "major_outage", "major"),  # tier 2: an outage is an outage
        ("Card payments", "partial_outage", "major"),  # business critical
        ("Mobile app", "partial_outage", "minor"),
        ("Mobile app", "degraded_performance", "minor"),
        ("Mobile app", "under_maintenance", "none"),
        ("Mobile app", "operational", "none"),
    ],
)
def test_each_component_status_implies_a_least_impact_by_its_tier(
    world, component, status, implied
):
    assert implied_impact({world.components[component]: status})[0] == implied


def test_a_tier_1_service_that_depends_on_a_broken_component_counts_as_broken(world):
    # Only the tier-2 database is named; the tier-1 API needs it (hard dependency).
    implied, because = implied_impact({world.components["Database"]: "partial_outage"})
    assert implied == "major"
    assert because == ("API (tier 1) in partial outage through Database",)


def test_the_advice_names_the_components_and_suggests_the_impact(world):
    advice = advise("minor", {world.components["Card payments"]: "major_outage"})
    assert (advice.chosen, advice.implied) == ("minor", "major")
    assert advice.message == (
        "The impact is minor, but Card payments (tier 1) in major outage implies at least "
        "major impact. Herald treats it as major wherever it tells people: the pages, the "
        "messages, escalation and the update pace. Choose major, or set the components' "
        "statuses to what they are."
    )
    assert advise("major", {world.components["Card payments"]: "major_outage"}) is None
    assert advise("critical", {world.components["Card payments"]: "major_outage"}) is None


def test_other_incidents_outages_do_not_raise_this_ones_impact(world):
    declare(world, "Database down", "major", {"Database": "major_outage"})
    mobile = declare(world, "Mobile slow", "minor", {"Mobile app": "degraded_performance"})
    assert impact_advice(mobile) is None and effective_impact(mobile) == "minor"


def test_a_minor_incident_in_major_outage_escalates_as_major_and_keeps_its_chosen_impact(world):
    incident = declare(world, "Card payments down", "minor", {"Card payments": "major_outage"})
    assert incident.impact == "minor"  # a warning, not a refusal
    assert effective_impact(incident) == "major"
    [alert] = broadcasts("escalation")
    assert alert.subject == "Escalation: major incident - Card payments down"
    assert "A major incident" in alert.text_body and "minor" not in alert.text_body


def test_an_impact_rule_matches_the_implied_impact_too(world):
    save_rule(
        None, None, name="Major or worse", min_impact="major", tier=None, audience_key="support"
    )
    db.session.commit()
    declare(world, "Mobile down", "minor", {"Mobile app": "major_outage"})
    assert [(b.audience.key, b.subject) for b in broadcasts("escalation")] == [
        ("support", "Escalation: major incident - Mobile down")
    ]


def test_the_page_indicator_never_says_minor_under_a_major_outage(
    app, audiences, make_component, client
):
    # The component is internal: the public page does not show it, only the incident.
    hidden = make_component("Ledger", tier="tier1", visibility="internal")
    shown = make_component("Website")
    add_dependency(None, shown, hidden, "soft")
    declare_incident(None, "Ledger outage", "minor", {hidden: "major_outage"}, body="")
    db.session.commit()
    status = client.get("/api/v2/status.json").get_json()["status"]
    assert status["indicator"] == "major"
    assert status["description"] == "Partial System Outage"
    # The incident says the impact its banner goes by.
    [listed] = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert listed["impact"] == "major"


def test_everyone_is_told_the_impact_herald_goes_by(world, client):
    incident = declare(world, "Card payments down", "minor", {"Card payments": "major_outage"})
    assert incident.impact == "minor"  # the lead's choice is kept, with its warning
    # The teams asked to check their services hear the same impact as the executives.
    asked = broadcasts("roll_call")
    assert asked and all("(major impact)" in b.text_body for b in asked)
    assert not any("minor" in b.text_body for b in asked)
    # The page's card and the JSON under the "major" banner.
    [listed] = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert listed["impact"] == "major"
    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Major impact" in page and "Minor impact" not in page
    # The next update is due at the major pace (60 minutes), not the minor one (120).
    assert incident.next_update_due_at == incident.started_at + timedelta(minutes=60)
    # A set drafted at the lead's "minor" says what the page says.
    sheet = compose(
        None,
        incident,
        status="identified",
        facts=Facts(summary="Card payments fail.", next_update_at=utcnow() + timedelta(hours=1)),
        audiences=["customers", "executives", "engineering"],
        impact="minor",
    )
    for draft in (d for d in sheet.drafts if d.audience_key != "customers"):
        assert "major" in draft.email_body and "minor" not in draft.email_body, draft.audience_key


def test_a_resolved_incident_has_no_advice(world):
    incident = declare(world, "Card payments down", "minor", {"Card payments": "major_outage"})
    post_incident_update(None, incident, "resolved", "Fixed.")
    db.session.commit()
    assert impact_advice(incident) is None and effective_impact(incident) == "minor"
