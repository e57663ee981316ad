"""Found by a new user: with Payouts (tier 1) in major outage and "minor" chosen, every
draft and page said major, but the approvers' email said "(minor impact)" and the set's
page showed "Minor impact". Both now say the impact the texts say, the choice beside it on
the staff page."""

from __future__ import annotations

from app.incidents.services import declare_incident
from core.db import db
from tests.admin_comms.helpers import latest_sheet, sheet_url
from tests.admin_comms.test_approvals_reach_the_people_who_act import staff_notices


def test_the_approvers_and_the_set_page_are_told_the_impact_the_texts_say(
    staff, lead, approver, make_component, audiences, compose, text
):
    payouts = make_component("Payouts", tier="tier1")
    incident = declare_incident(
        None, "Payouts failing", "minor", {payouts: "major_outage"}, body=""
    )
    db.session.commit()
    client = staff(lead)
    response = compose(
        client,
        incident,
        impact="minor",
        audiences=["customers", "executives"],
        **{f"component-{payouts.id}": "major_outage"},
    )
    assert response.status_code == 302
    sheet = latest_sheet()
    assert sheet.impact == "minor"  # the lead's choice is kept
    [email] = [n for n in staff_notices("approval_request") if n["channel"] == "email"]
    assert '"Payouts failing" (major impact)' in email["text"]
    page = text(client.get(sheet_url(sheet)))
    assert "Major (chosen: minor) impact" in page
    assert "Minor impact" not in page


def test_a_replaced_set_offers_no_override(staff, lead, compose, incident, text):
    client = staff(lead)
    # A warning to override while the set is current: a guess in a public text.
    compose(client, incident, summary="We think the card processor is probably at fault.")
    older = latest_sheet()
    assert "Override with this reason" in text(client.get(sheet_url(older)))
    compose(client, incident, summary="Card payments fail in the EU.")
    page = text(client.get(sheet_url(older)))
    assert "A newer set replaces these drafts" in page
    assert "Override with this reason" not in page
