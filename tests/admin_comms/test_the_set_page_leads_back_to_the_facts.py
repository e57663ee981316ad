"""A finding in every audience's text comes from the facts: the set's page offers to
change them (the composer, filled in with this set's facts), not only to edit one draft
or discard the set."""

from __future__ import annotations

from tests.admin_comms.helpers import latest_sheet, sheet_url


def test_change_the_facts_opens_the_composer_with_this_sets_facts(drafted, incident, text):
    client, sheet = drafted
    page = text(client.get(sheet_url(sheet)))
    start = f"/admin/incidents/{incident.id}/compose?from={sheet.public_id}"
    assert f'href="{start}" id="change-facts"' in page and "Change the facts</a>" in page
    composer = text(client.get(start))
    assert "Some card payments fail." in composer  # this set's summary, to edit
    assert "The card processor answers 502 to 9% of requests." in composer


def test_a_viewer_is_not_offered_to_change_the_facts(drafted, staff, make_user, text):
    _, sheet = drafted
    page = text(staff(make_user("viewer")).get(sheet_url(sheet)))
    assert 'id="change-facts"' not in page


def test_change_the_facts_starts_from_every_value_of_the_set(
    staff, lead, incident, components, compose, fill
):
    """Found by a new user: from a resolved set, the composer came back "Identified", with
    the component still in partial outage, every audience ticked and a next update filled
    in; the set it wrote was not the one she had asked to change."""
    client = staff(lead)
    api = components["api"]
    response = compose(
        client,
        incident,
        status="resolved",
        impact="minor",
        audiences=["customers", "executives"],
        next_update_at=None,
        **{f"component-{api.id}": "operational"},
        summary="Card payments work normally again.",
        customer_impact="Some card payments failed between 13:00 and 13:40 UTC.",
    )
    assert response.status_code == 302
    sheet = latest_sheet()
    assert sheet.status == "resolved"
    data = fill(client, f"/admin/incidents/{incident.id}/compose?from={sheet.public_id}")
    assert data["status"] == "resolved" and data["impact"] == "minor"
    assert data["audiences"] == ["customers", "executives"]
    assert data[f"component-{api.id}"] == "operational"
    assert not data.get("next_update_at")
    assert data["summary"] == "Card payments work normally again."
    # As before, without it: the incident's own status and components.
    data = fill(client, f"/admin/incidents/{incident.id}/compose")
    assert data["status"] == incident.status != "resolved"
    assert data[f"component-{api.id}"] == "partial_outage"


def test_a_set_of_another_incident_is_not_started_from(drafted, incident, fill):
    client, _ = drafted
    data = fill(client, f"/admin/incidents/{incident.id}/compose?from=nosuchset")
    assert data["status"] == incident.status
