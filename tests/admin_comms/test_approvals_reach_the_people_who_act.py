"""Approvals are seen by the people who must act: approvers are told when drafts wait
(email, and SMS with a phone number), once per set; the navigation and the dashboard show
what waits for each person; the author hears of each review; "Who has to act" always
names someone; and publishing shows and confirms how many people it reaches."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import IncidentUpdate
from core.db import db
from subscribers.models import Broadcast, Delivery
from subscribers.outbox import expand_broadcast
from tests.admin_comms.helpers import draft_of, latest_sheet, publish, sheet_url
from tests.forms import form_fields
from tests.snapshot import snapshot


def staff_notices(kind: str) -> list[dict]:
    """Each staff notice of ``kind`` as delivered: channel, address and what it says."""
    db.session.expire_all()
    found = []
    for broadcast in db.session.scalars(
        select(Broadcast).where(Broadcast.kind == kind).order_by(Broadcast.id)
    ):
        expand_broadcast(broadcast.id)
        for delivery in db.session.scalars(
            select(Delivery).where(Delivery.broadcast_id == broadcast.id)
        ):
            found.append(
                {
                    "channel": delivery.channel,
                    "address": delivery.address,
                    "subject": broadcast.subject,
                    "text": broadcast.text_body,
                    "sms": broadcast.sms_body,
                }
            )
    return found


@pytest.fixture
def second_approver(make_user):
    return make_user("approver", email="sam@example.com", name="Sam Reviewer")


@pytest.fixture
def approver(make_user):
    """The conftest's approver, with a phone number (so also told by SMS)."""
    return make_user(
        "approver", email="pr@example.com", name="Robin Approver", phone="+44 7911 123456"
    )


def nav(page: str) -> str:
    return page.split("<nav", 1)[1].split("</nav>", 1)[0]


def test_every_approver_is_told_once_by_email_and_by_sms_when_they_have_a_phone(
    approver, second_approver, drafted, fill
):
    client, sheet = drafted
    notices = staff_notices("approval_request")
    assert sorted((n["channel"], n["address"]) for n in notices) == [
        ("email", "pr@example.com"),
        ("email", "sam@example.com"),
        ("sms", "+447911123456"),
    ]
    email = next(n for n in notices if n["address"] == "pr@example.com")
    assert email["subject"] == "1 draft waits for your approval: Card payments failing"
    assert "Hello Robin Approver," in email["text"]
    assert "Casey Lead drafted the investigating update" in email["text"]
    assert f"/admin/fact-sheets/{sheet.public_id}" in email["text"]
    sms = next(n for n in notices if n["channel"] == "sms")["sms"]
    assert "wait" in sms and f"/admin/fact-sheets/{sheet.public_id}" in sms
    # The lead who wrote them is not asked to approve them.
    assert "lead@example.com" not in {n["address"] for n in notices}
    # Editing a draft (even voiding nothing) tells nobody again.
    customers = draft_of(sheet, "customers")
    action = f"/admin/drafts/{customers.id}/edit"
    data = fill(client, sheet_url(sheet), action, page_text="We're sorry: card payments fail.")
    assert client.post(action, data=data).status_code == 302
    assert len(staff_notices("approval_request")) == 3


def test_an_approver_sees_what_waits_for_them_in_the_navigation_and_on_the_dashboard(
    approver, drafted, staff, text
):
    _, sheet = drafted
    reviewer = staff(approver)
    before = snapshot()
    assert "Waiting for you (1)" in nav(text(reviewer.get("/admin/incidents")))
    dashboard = text(reviewer.get("/admin/"))
    reviewer.get(sheet_url(sheet))
    assert snapshot() == before  # counting and listing write nothing
    waiting = dashboard.split('id="waiting"', 1)[1].split("</section>", 1)[0]
    assert f'href="/admin/fact-sheets/{sheet.public_id}#draft-customers"' in waiting
    assert "Card payments failing</a> · Customers draft: approve or reject" in waiting
    # Once approved, nothing waits for the approver any more.
    customers = draft_of(sheet, "customers")
    assert reviewer.post(f"/admin/drafts/{customers.id}/approve").status_code == 302
    dashboard = text(reviewer.get("/admin/"))
    assert "Waiting for you (" not in nav(dashboard)
    assert "Nothing waits for you." in dashboard


def test_the_lead_sees_a_rejected_draft_to_fix_and_then_the_set_to_publish(
    approver, drafted, staff, fill, text
):
    client, sheet = drafted
    customers = draft_of(sheet, "customers")
    response = staff(approver).post(
        f"/admin/drafts/{customers.id}/reject", data={"comment": "Say which cards fail."}
    )
    assert response.status_code == 302
    dashboard = text(client.get("/admin/"))
    waiting = dashboard.split('id="waiting"', 1)[1].split("</section>", 1)[0]
    assert "Customers draft: edit after the rejection: Say which cards fail." in waiting
    assert "Waiting for you (" in nav(dashboard)
    # Fixed and approved: the lead's move is publishing.
    action = f"/admin/drafts/{customers.id}/edit"
    data = fill(client, sheet_url(sheet), action, page_text="We're sorry: Visa payments fail.")
    assert client.post(action, data=data).status_code == 302
    staff(approver).post(f"/admin/drafts/{customers.id}/approve")
    page = text(client.get(sheet_url(sheet)))
    blockers = page.split("Who has to act", 1)[1].split("</ul>", 1)[0]
    # No approver is waited for now; what is left (the drafts' warnings to answer, or
    # publishing) is the lead's, by name.
    assert "approve or reject" not in blockers
    assert "<strong>Casey Lead</strong> must" in blockers
    assert "Nobody" not in page


def test_approving_and_rejecting_tell_the_author_and_a_rejection_carries_its_comment(
    approver, drafted, staff
):
    _, sheet = drafted
    reviewer = staff(approver)
    customers = draft_of(sheet, "customers")
    reviewer.post(f"/admin/drafts/{customers.id}/reject", data={"comment": "Name the regions."})
    [rejected] = staff_notices("draft_review")
    assert rejected["address"] == "lead@example.com"
    assert rejected["subject"] == "Rejected: the customers draft of Card payments failing"
    assert "Robin Approver rejected the customers draft" in rejected["text"]
    assert "What should change: Name the regions." in rejected["text"]
    # A rejected draft may still be approved (the approver changed their mind).
    reviewer.post(f"/admin/drafts/{customers.id}/approve", data={"comment": "Good to go."})
    notices = staff_notices("draft_review")
    assert [n["subject"] for n in notices] == [
        "Rejected: the customers draft of Card payments failing",
        "Approved: the customers draft of Card payments failing",
    ]
    assert "When every draft is ready, publish the set." in notices[1]["text"]


def test_who_has_to_act_names_the_approvers_and_never_says_nobody(
    approver, second_approver, drafted, text
):
    client, sheet = drafted
    page = text(client.get(sheet_url(sheet)))
    assert "<strong>Robin Approver or Sam Reviewer</strong> must approve or reject" in page
    assert "Nobody" not in page


def test_the_set_page_shows_who_it_will_reach_per_audience_and_channel(
    ready, make_subscriber, make_component, incident, text
):
    client, sheet = ready
    make_subscriber("+447911123457", channel="sms", audience="customers")
    # Someone who follows only an unaffected component is not counted.
    make_subscriber(
        "elsewhere@example.com", audience="customers", components=[make_component("Reporting")]
    )
    page = text(client.get(sheet_url(sheet)))
    table = page.split("Who this will reach", 1)[1].split("</table>", 1)[0]
    row = table.split("<td>Customers</td>", 1)[1].split("</tr>", 1)[0]
    assert row == "<td>1</td><td>1</td><td>0</td><td>2</td><td>2</td>"
    engineering = table.split("<td>Engineering</td>", 1)[1].split("</tr>", 1)[0]
    assert engineering == "<td>1</td><td>0</td><td>0</td><td>1</td><td>1</td>"


def test_a_person_on_email_and_sms_counts_once_with_two_messages(
    ready, make_subscriber, incident, text
):
    """Found by a new user: "notify 21 people" counted addresses, so a person subscribed
    by email and by SMS counted twice. People and messages are counted apart."""
    client, sheet = ready
    make_subscriber("jo@example.com", audience="customers", name="Jo Bloggs")
    make_subscriber("+447911123458", channel="sms", audience="customers", name="Jo Bloggs")
    page = text(client.get(sheet_url(sheet)))
    table = page.split("Who this will reach", 1)[1].split("</table>", 1)[0]
    row = table.split("<td>Customers</td>", 1)[1].split("</tr>", 1)[0]
    # customers@example.com and Jo: 2 people, 3 messages (2 by email, 1 by SMS).
    assert row == "<td>2</td><td>1</td><td>0</td><td>3</td><td>2</td>"
    asked = text(client.post(f"{sheet_url(sheet)}/publish"))
    # With one engineer and one executive: 4 people, 5 messages.
    assert "Who this reaches: 4 people, 5 messages" in asked
    assert "Yes, publish and notify 4 people (5 messages)" in asked


def published_updates(incident) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(IncidentUpdate.id)).where(IncidentUpdate.incident_id == incident.id)
    )


def test_publishing_asks_once_repeating_the_figures_and_sends_only_when_confirmed(
    ready, make_subscriber, incident, fill, text
):
    client, sheet = ready
    executives = draft_of(sheet, "executives")
    action = f"/admin/drafts/{executives.id}/notify"
    client.post(action, data=fill(client, sheet_url(sheet), action, notify=None))
    url = f"{sheet_url(sheet)}/publish"
    asked = client.post(url)
    assert asked.status_code == 200
    page = text(asked)
    assert "Who this reaches: 2 people, 2 messages" in page
    assert "Yes, publish and notify 2 people (2 messages)" in page
    assert "not notified (published on the pages only)" in page.split("<td>Executives</td>")[1]
    # Asking wrote nothing.
    assert published_updates(incident) == 0
    assert db.session.get(type(sheet), sheet.id).published_at is None
    data = form_fields(asked.get_data(as_text=True), url)
    assert data["confirmed"] == "customers=email:1;engineering=email:1;executives=off"
    response = client.post(url, data=data, follow_redirects=True)
    assert "Published the investigating update" in text(response)
    assert published_updates(incident) == 1


def test_a_confirmation_of_figures_that_changed_since_asks_again_and_publishes_nothing(
    ready, make_subscriber, incident, text
):
    client, sheet = ready
    url = f"{sheet_url(sheet)}/publish"
    asked = client.post(url)
    data = form_fields(asked.get_data(as_text=True), url)
    make_subscriber("late@example.com", audience="customers")
    response = client.post(url, data=data)
    assert response.status_code == 200
    page = text(response)
    assert "The number of people changed since you confirmed" in page
    assert "Who this reaches: 4 people, 4 messages" in page
    assert published_updates(incident) == 0
    assert publish(client, sheet).status_code == 302
    assert published_updates(incident) == 1


def test_a_notice_for_a_set_that_replaces_another_says_so(approver, drafted, compose, incident):
    """Found by a new user: while the lead reworded the facts, approvers got a notice per
    set, two of them for sets already replaced, and nothing told them which one counted."""
    client, _ = drafted
    [before] = [n for n in staff_notices("approval_request") if n["channel"] == "email"]
    assert "replaces" not in before["text"]
    compose(client, incident, summary="Card payments fail in the EU.")
    notices = [n for n in staff_notices("approval_request") if n["channel"] == "email"]
    assert len(notices) == 2
    assert "This set replaces the one drafted at " in notices[-1]["text"]
    assert "only this one can be approved and published" in notices[-1]["text"]


def test_a_set_after_a_publication_replaces_nothing_drafted_before_it(
    approver, drafted, compose, incident
):
    """Found by a new user: every set after the first publication said it replaced one
    from the incident's first minutes (replaced already, before that publication)."""
    from app.comms.approval import approve as approve_draft
    from app.comms.continuity import replaced_set
    from app.comms.publishing import publish as publish_set

    client, first = drafted
    second = compose(client, incident, summary="Card payments fail in the EU.")
    assert second.status_code == 302
    newest = latest_sheet()
    assert replaced_set(newest).id == first.id
    for draft in newest.drafts:
        if draft.needs_approval:
            approve_draft(approver, draft)
    publish_set(approver, newest)
    db.session.commit()
    compose(client, incident, summary="Card payments work again for most customers.")
    assert replaced_set(latest_sheet()) is None
    notices = [n for n in staff_notices("approval_request") if n["channel"] == "email"]
    assert "replaces" not in notices[-1]["text"]
