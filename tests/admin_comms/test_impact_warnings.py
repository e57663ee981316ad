"""Impact agrees with the components: declaring, updating and composing (admin and API)
warn when the chosen impact is below what the component statuses imply, suggest the
impact, and still do what was asked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.api.tokens import create_token
from app.incidents.services import declare_incident
from app.models import Incident
from core.db import db
from tests.admin_comms.helpers import latest_sheet, local_input
from tests.api.helpers import ApiClient, facts

WARNING = "implies at least major impact"


@pytest.fixture
def payments(make_component):
    return make_component("Card payments", tier="tier1")


def declare_down(client, fill, payments, impact: str):
    """Declare, through the admin form, Card payments in major outage at ``impact``."""
    data = fill(
        client,
        "/admin/incidents/new",
        name="Card payments down",
        impact=impact,
        body="",
        **{f"component-{payments.id}": "major_outage"},
    )
    return client.post("/admin/incidents/new", data=data, follow_redirects=True)


def test_declaring_a_minor_incident_over_a_tier_1_outage_warns_and_suggests_major(
    staff, lead, payments, fill, text
):
    client = staff(lead)
    response = declare_down(client, fill, payments, "minor")
    page = text(response)
    assert (
        "The impact is minor, but Card payments (tier 1) in major outage implies at least "
        "major impact." in page
    )
    incident = db.session.scalar(select(Incident))
    assert incident.impact == "minor"  # a warning, not a refusal
    # The incident page keeps saying so, with the suggestion, until the impact is changed.
    url = f"/admin/incidents/{incident.id}"
    page = text(client.get(url))
    assert 'id="impact-advice"' in page and "Suggested impact: major" in page
    # Staff screens say the impact every message says, with the choice beside it (found
    # by a new user: the dashboard said "minor" alone).
    assert "Major (chosen: minor) impact" in page
    for screen in ("/admin/", "/admin/incidents"):
        assert "major (chosen: minor)" in text(client.get(screen)), screen
    form = fill(client, url, f"{url}/edit", impact="major")
    assert client.post(f"{url}/edit", data=form).status_code == 302
    assert 'id="impact-advice"' not in text(client.get(url))


def test_declaring_with_an_impact_that_fits_says_nothing_about_it(
    staff, lead, payments, fill, text
):
    page = text(declare_down(staff(lead), fill, payments, "major"))
    assert "implies at least" not in page


def test_a_quick_update_that_takes_a_component_down_warns_about_the_impact(
    staff, lead, payments, fill, text
):
    incident = declare_incident(None, "Payments slow", "minor", {payments: "degraded_performance"})
    db.session.commit()
    client = staff(lead)
    url = f"/admin/incidents/{incident.id}"
    assert WARNING not in text(client.get(url))
    data = fill(
        client,
        url,
        f"{url}/updates",
        status="identified",
        body="Payments now fail.",
        **{f"component-{payments.id}": "major_outage"},
    )
    page = text(client.post(f"{url}/updates", data=data, follow_redirects=True))
    assert WARNING in page
    assert incident.status == "identified" and incident.impact == "minor"


def test_the_composer_warns_when_the_fact_sheet_impact_is_below_its_components(
    staff, lead, payments, fill, text
):
    incident = declare_incident(None, "Card payments down", "minor", {payments: "major_outage"})
    db.session.commit()
    client = staff(lead)
    url = f"/admin/incidents/{incident.id}/compose"
    page = text(client.get(url))
    assert WARNING in page and "Suggested impact: major" in page
    # The composer starts from the impact Herald goes by, and paces the next update so.
    assert '<option selected value="major">' in page or 'value="major" selected' in page
    assert "every 60 minutes at major impact" in page
    data = fill(
        client,
        url,
        summary="Card payments fail.",
        impact="minor",
        next_update_at=local_input(60),
        audiences=["customers", "engineering"],
    )
    page = text(client.post(url, data=data, follow_redirects=True))
    assert WARNING in page and latest_sheet().impact == "minor"
    data["impact"] = "major"
    page = text(client.post(url, data=data, follow_redirects=True))
    assert "implies at least" not in page and latest_sheet().impact == "major"


def test_the_api_answers_a_low_impact_with_a_warning_and_the_suggestion(
    app, lead, payments, make_component
):
    _, token = create_token(lead, "test")
    db.session.commit()
    api = ApiClient(app.test_client(), token)
    response = api.post(
        "/api/v1/incidents",
        json={
            "name": "Card payments down",
            "impact": "minor",
            "components": {payments.public_id: "major_outage"},
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["impact"] == "minor"
    assert body["impact_warning"]["suggested_impact"] == "major"
    assert body["impact_warning"]["because"] == ["Card payments (tier 1) in major outage"]
    assert WARNING in body["impact_warning"]["message"]
    incident_id = body["id"]
    assert api.get(f"/api/v1/incidents/{incident_id}").get_json()["impact_warning"] is not None
    drafted = api.post(
        f"/api/v1/incidents/{incident_id}/drafts",
        json={"status": "identified", "facts": facts(), "audiences": ["customers", "engineering"]},
    ).get_json()
    assert drafted["impact_warning"]["suggested_impact"] == "major"
    drafted = api.post(
        f"/api/v1/incidents/{incident_id}/drafts",
        json={
            "status": "identified",
            "impact": "major",
            "facts": facts(),
            "audiences": ["customers", "engineering"],
        },
    ).get_json()
    assert drafted["impact_warning"] is None
    fine = api.post(
        "/api/v1/incidents",
        json={
            "name": "Other",
            "impact": "none",
            "components": {make_component("Docs", tier="tier3").public_id: "operational"},
        },
    ).get_json()
    assert fine["impact_warning"] is None
