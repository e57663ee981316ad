"""The update composer: one fact sheet, asked once, becomes a draft per chosen audience."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.admin import local_to_utc
from app.comms.drafting import render_texts
from app.models import Draft, FactSheet
from core.db import db
from tests.admin_comms.helpers import (
    DATETIME_INPUT,
    draft_of,
    latest_sheet,
    local_input,
    sheet_url,
)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_the_incident_page_offers_the_composer_to_the_people_who_may_compose(
    staff, make_user, lead, incident, text
):
    url = f"/admin/incidents/{incident.id}"
    page = text(staff(lead).get(url))
    assert "Write the next update" in page
    assert f'href="/admin/incidents/{incident.id}/compose"' in page
    responder = staff(make_user("responder"))
    assert "Write the next update" not in text(responder.get(url))
    assert responder.get(f"/admin/incidents/{incident.id}/compose").status_code == 403


def test_the_composer_prefills_the_components_and_names_the_ones_affected_through_dependencies(
    staff, lead, incident, components, fill, text
):
    client = staff(lead)
    url = f"/admin/incidents/{incident.id}/compose"
    data = fill(client, url)
    assert data[f"component-{components['api'].id}"] == "partial_outage"
    assert data[f"component-{components['checkout'].id}"] == ""
    assert data["status"] == "investigating"
    assert data["impact"] == "major"
    # Every audience the incident allows is ticked by default.
    assert data["audiences"] == [
        "customers",
        "press",
        "support",
        "engineering",
        "executives",
        "teams",
    ]
    # The next update is suggested from the cadence (an hour at major impact).
    suggested = datetime.strptime(data["next_update_at"], DATETIME_INPUT)
    in_an_hour = datetime.strptime(local_input(60), DATETIME_INPUT)
    assert abs((suggested - in_an_hour).total_seconds()) <= 6 * 60
    page = text(client.get(url))
    assert "Also affected through dependencies: Checkout" in page


def test_composing_through_the_form_creates_drafts_for_the_chosen_audiences_from_their_templates(
    staff, lead, incident, compose, text
):
    client = staff(lead)
    response = compose(client, incident, audiences=["customers", "engineering", "executives"])
    sheet = latest_sheet()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(sheet_url(sheet))
    assert sheet.summary == "Some card payments fail."
    assert sheet.author_id == lead.id
    assert [d.audience_key for d in sheet.drafts] == ["customers", "engineering", "executives"]
    for draft in sheet.drafts:
        # Rendered at the set's moment (the incident's length is counted to it).
        rendered = render_texts(sheet, draft.audience_key, sheet.created_at)
        assert (draft.page_text, draft.email_subject, draft.sms_text) == (
            rendered.page_text,
            rendered.email_subject,
            rendered.sms_text,
        )
        assert draft.author_id == lead.id
    customers, engineering = draft_of(sheet, "customers"), draft_of(sheet, "engineering")
    assert "Some card payments fail." in customers.page_text
    assert customers.needs_approval and not engineering.needs_approval
    assert "502" in engineering.page_text  # the technical detail reaches the engineers
    assert "502" not in customers.page_text
    page = text(client.get(sheet_url(sheet)))
    for key in ("customers", "engineering", "executives"):
        assert f'id="draft-{key}"' in page
    assert 'id="draft-press"' not in page and 'id="draft-support"' not in page


def test_the_next_update_time_is_read_in_the_page_time_zone(staff, lead, incident, compose):
    when = local_input(90)
    compose(staff(lead), incident, next_update_at=when)
    expected = local_to_utc(datetime.strptime(when, DATETIME_INPUT))
    assert latest_sheet().next_update_at == expected


def test_the_component_statuses_chosen_are_kept_on_the_fact_sheet(
    staff, lead, incident, components, compose
):
    compose(
        staff(lead),
        incident,
        **{
            f"component-{components['api'].id}": "major_outage",
            f"component-{components['checkout'].id}": "degraded_performance",
        },
    )
    assert latest_sheet().components == {
        str(components["api"].id): "major_outage",
        str(components["checkout"].id): "degraded_performance",
    }


def test_the_first_public_update_needs_the_customers_audience_and_the_service_says_so(
    staff, lead, incident, compose, text
):
    response = compose(staff(lead), incident, audiences=["engineering"])
    assert response.status_code == 400
    assert "The first update of a public incident needs a customers text" in text(response)
    assert count(FactSheet) == 0 and count(Draft) == 0


def test_a_fact_sheet_without_a_summary_is_refused_and_keeps_what_was_typed(
    staff, lead, incident, compose, text
):
    response = compose(staff(lead), incident, summary="   ", workaround="Use the app instead.")
    page = text(response)
    assert response.status_code == 400
    assert "Say what is happening" in page
    assert "Use the app instead." in page
    assert count(FactSheet) == 0


def test_no_audience_at_all_is_refused(staff, lead, incident, compose, text):
    response = compose(staff(lead), incident, audiences=None)
    assert response.status_code == 400
    assert "Choose at least one audience" in text(response)
    assert count(FactSheet) == 0


def test_an_internal_incident_offers_only_internal_audiences(
    staff, lead, components, compose, fill, text
):
    from app.incidents.services import declare_incident

    internal = declare_incident(
        None, "Build pipeline slow", "minor", {}, body="Slow builds.", visibility="internal"
    )
    db.session.commit()
    client = staff(lead)
    data = fill(client, f"/admin/incidents/{internal.id}/compose")
    assert data["audiences"] == ["support", "engineering", "executives", "teams"]
    response = compose(client, internal, audiences=["customers", "engineering"])
    assert response.status_code == 400
    assert "an internal incident has no public audiences" in text(response)


def test_the_incident_page_lists_its_drafted_and_published_updates(drafted, text):
    client, sheet = drafted
    page = text(client.get(f"/admin/incidents/{sheet.incident_id}"))
    assert "Drafted updates" in page
    assert f'href="{sheet_url(sheet)}"' in page
    assert "in progress" in page
    assert "customers, engineering, executives" in page


def test_resolving_in_the_composer_with_the_teams_ticked_leaves_them_to_herald(
    staff, lead, incident, compose, text
):
    client = staff(lead)
    response = compose(
        client,
        incident,
        status="resolved",
        customer_impact="",
        workaround="",
        **{f"component-{link.component_id}": "operational" for link in incident.affected},
    )
    assert response.status_code == 302
    keys = [d.audience_key for d in latest_sheet().drafts]
    assert keys == ["customers", "press", "support", "engineering", "executives"]
    page = text(client.get(response.headers["Location"]))
    assert "No draft for the teams: when this update is published, Herald tells every" in page
