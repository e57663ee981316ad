"""Wherever a person reads a private page's audience (the drafts, who has to act, who
the set reaches, the publish confirmation and its message, the approvers' email, what
went out), it is named by the page's name, never by its key "page:<slug>"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.comms.approval import approve
from app.comms.context import Facts
from app.comms.drafting import compose
from app.incidents.services import declare_incident
from app.models import utcnow
from core.db import db
from subscribers.models import Broadcast
from tests.admin_comms.helpers import publish, sheet_url


def _no_key(text: str) -> None:
    """The key may be in addresses and form values, never in words a person reads."""
    for shown in (">page:acme", ">Page:acme", " page:acme", " Page:acme", "acme corp"):
        assert shown not in text, shown


def test_the_page_is_named_by_its_name_from_drafting_to_what_went_out(
    parts, make_page, make_user, staff
):
    page = make_page()
    make_user("approver")
    lead = make_user("comms_lead")
    incident = declare_incident(None, "Ledger lag", "minor", {parts["ledger"]: "partial_outage"})
    sheet = compose(
        lead,
        incident,
        status="investigating",
        facts=Facts(
            summary="Some ledger entries arrive late.",
            next_update_at=utcnow() + timedelta(minutes=30),
        ),
        audiences=["customers", page.audience_key],
    )
    db.session.commit()
    asked = db.session.scalars(select(Broadcast).where(Broadcast.kind == "approval_request"))
    for broadcast in asked:
        assert "Acme Corp" in broadcast.text_body
        _no_key(broadcast.subject + " " + broadcast.text_body + " " + broadcast.sms_body)
    client = staff(lead)
    drafts = client.get(sheet_url(sheet)).get_data(as_text=True)
    assert "Notify Acme Corp subscribers when published" in drafts
    act = drafts.split("Who has to act", 1)[1].split("The facts behind", 1)[0]
    assert "Acme Corp</a>" in act and "<td>Acme Corp</td>" in act
    _no_key(act)
    # Publishing before the approvals is refused, naming the page by its name.
    refused = client.post(f"{sheet_url(sheet)}/publish").get_data(as_text=True)
    assert "Acme Corp: waiting for approval" in refused
    _no_key(refused)
    for draft in sheet.drafts:
        approve(make_user("approver"), draft)
    db.session.commit()
    confirm = client.post(f"{sheet_url(sheet)}/publish").get_data(as_text=True)
    assert "<td>Acme Corp</td>" in confirm
    _no_key(confirm)
    done = publish(client, sheet, follow_redirects=True).get_data(as_text=True)
    assert "Published the investigating update for customers, Acme Corp" in done
    _no_key(done.split("The facts behind", 1)[0])
    went_out = done.split("What went out", 1)[1].split("</table>", 1)[0]
    assert '<a href="/p/acme">the page (/p/acme)</a>' in went_out
