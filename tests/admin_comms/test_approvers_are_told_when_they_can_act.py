"""Approvers are told about drafts they can approve now: never about a draft a blocking
error holds back; when its author fixes it, or saves a rejected draft again, its
approvers are told, once per save (found by a new user: approvers were asked to approve
drafts they could not, and never heard of a rejected draft sent back)."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from subscribers.models import Broadcast, Subscriber
from tests.admin_comms.helpers import draft_of, latest_sheet, sheet_url

BLAME = "The outage was caused by an engineer who deployed on Friday."


def asked() -> list[Broadcast]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Broadcast).where(Broadcast.kind == "approval_request").order_by(Broadcast.id)
        )
    )


def edit(client, sheet, fill, page_text: str):
    action = f"/admin/drafts/{draft_of(sheet, 'customers').id}/edit"
    data = fill(client, sheet_url(sheet), action, page_text=page_text, email_body=page_text)
    response = client.post(action, data=data)
    assert response.status_code == 302


def test_a_blocked_draft_asks_no_one_and_its_fix_asks_its_approvers_once_per_save(
    staff, lead, approver, incident, compose, fill
):
    client = staff(lead)
    assert compose(client, incident, summary=BLAME).status_code == 302
    sheet = latest_sheet()
    customers = draft_of(sheet, "customers")
    assert any(f["severity"] == "error" for f in customers.findings)
    assert asked() == []  # nothing an approver could approve yet

    edit(client, sheet, fill, "We're sorry: some card payments fail. We are on it.")
    assert not any(f["severity"] == "error" for f in draft_of(sheet, "customers").findings)
    notices = asked()
    assert [b.subject for b in notices] == [
        "1 draft waits for your approval: Card payments failing"
    ]
    assert "It was fixed or edited since you were last told" in notices[0].text_body
    # Editing an approvable draft again tells nobody again.
    edit(client, sheet, fill, "We're sorry: some card payments fail. We're on it.")
    assert len(asked()) == 1

    # Rejected, then saved again: its approvers hear of it, once for that save.
    reviewer = staff(approver)
    rejected = reviewer.post(
        f"/admin/drafts/{customers.id}/reject", data={"comment": "Say which cards fail."}
    )
    assert rejected.status_code == 302
    edit(client, sheet, fill, "We're sorry: some Visa card payments fail.")
    notices = asked()
    assert len(notices) == 2
    to = {db.session.get(Subscriber, b.subscriber_id).address for b in notices}
    assert to == {"pr@example.com"}
