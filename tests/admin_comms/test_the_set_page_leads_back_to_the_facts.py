"""A finding in every audience's text comes from the facts: the set's page offers to
change them (the composer, filled in with this set's facts), not only to edit one draft
or discard the set."""

from __future__ import annotations

from tests.admin_comms.helpers import sheet_url


def test_change_the_facts_opens_the_composer_with_this_sets_facts(drafted, incident, text):
    client, sheet = drafted
    page = text(client.get(sheet_url(sheet)))
    link = f'href="/admin/incidents/{incident.id}/compose" id="change-facts"'
    assert link in page and "Change the facts</a>" in page
    composer = text(client.get(f"/admin/incidents/{incident.id}/compose"))
    assert "Some card payments fail." in composer  # this set's summary, to edit
    assert "The card processor answers 502 to 9% of requests." in composer


def test_a_viewer_is_not_offered_to_change_the_facts(drafted, staff, make_user, text):
    _, sheet = drafted
    page = text(staff(make_user("viewer")).get(sheet_url(sheet)))
    assert 'id="change-facts"' not in page
