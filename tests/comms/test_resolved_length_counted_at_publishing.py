"""A resolved text says how long the incident lasted. It is drafted, approved, then
published minutes later: the length it sends is counted to the moment of publishing, as
the incident's own page counts it. A text someone edited by hand is sent as approved."""

from __future__ import annotations

from datetime import timedelta

from app.comms.approval import approve
from app.comms.context import Facts
from app.comms.drafting import compose, edit_draft
from app.comms.publishing import publish
from app.incidents.services import declare_incident
from app.models import utcnow
from core.db import db


def test_the_length_is_counted_when_published_not_when_drafted(
    make_component, make_user, audiences, monkeypatch
):
    payouts = make_component("Payouts", tier="tier1")
    lead, approver = make_user("comms_lead"), make_user("approver")
    started = utcnow() - timedelta(minutes=30)
    incident = declare_incident(
        None,
        "Payouts are not being sent",
        "major",
        {payouts: "major_outage"},
        started_at=started,
        visibility="internal",
    )
    db.session.commit()
    # Drafted ten minutes ago, twenty minutes into the incident.
    drafted = utcnow() - timedelta(minutes=10)
    monkeypatch.setattr("app.comms.drafting.utcnow", lambda: drafted)
    sheet = compose(
        lead,
        incident,
        status="resolved",
        facts=Facts(summary="Payouts to bank accounts are being sent again."),
        audiences=["engineering", "executives"],
    )
    db.session.commit()
    assert sheet.created_at == drafted
    monkeypatch.undo()
    drafts = {d.audience_key: d for d in sheet.drafts}
    assert "lasted 20 min" in drafts["engineering"].page_text
    assert "(major impact, 20 min)" in drafts["executives"].email_subject
    edit_draft(lead, drafts["executives"], sms_text="Payouts resolved after twenty minutes.")
    for draft in sheet.drafts:
        if draft.needs_approval:
            approve(approver, draft)
    db.session.commit()
    publish(lead, sheet)
    db.session.commit()

    assert "lasted 30 min" in drafts["engineering"].page_text
    assert "resolved after 30 min" in drafts["engineering"].email_body
    assert "(major impact, 30 min)" in drafts["executives"].email_subject
    assert "back to normal after 30 min" in drafts["executives"].email_body
    assert drafts["executives"].sms_text == "Payouts resolved after twenty minutes."
    assert "20 min" not in drafts["engineering"].page_text + drafts["executives"].email_body


def test_the_set_page_says_the_length_is_counted_when_published(
    make_component, make_user, audiences, staff
):
    """Found by a new user: the preview said "lasted 4 min" and the email "5 min"."""
    payouts = make_component("Payouts")
    lead = make_user("comms_lead")
    incident = declare_incident(
        None, "Payouts late", "minor", {payouts: "degraded_performance"}, visibility="internal"
    )
    db.session.commit()
    sheet = compose(
        lead,
        incident,
        status="resolved",
        facts=Facts(summary="Sent again."),
        audiences=["engineering"],
    )
    db.session.commit()
    page = staff(lead).get(f"/admin/fact-sheets/{sheet.public_id}").get_data(as_text=True)
    assert "is counted again to the moment you publish" in page
