"""Reviewing a postmortem on the incident page: who sent it for approval is named, and an
approver can send it back with a comment (its author is told by email)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.incidents.postmortems import approve_postmortem, save_postmortem
from app.models import AuditEvent
from core.db import db
from subscribers.models import Broadcast, Subscriber
from tests.admin.incidentkit import open_incident
from tests.public_view import public_text


def resolved_with_pending_postmortem(api, author, text="## Root cause\nA full disk on db-7."):
    from app.incidents.services import post_incident_update

    incident = open_incident("API errors", {api: "major_outage"})
    post_incident_update(None, incident, "resolved", "Fixed.", reviewed=True)
    save_postmortem(author, incident, text, publish=True)
    db.session.commit()
    return incident


def review_notices() -> list[Broadcast]:
    db.session.expire_all()
    return list(db.session.scalars(select(Broadcast).where(Broadcast.kind == "draft_review")))


def test_the_page_names_who_sent_the_postmortem_for_approval(make_user, staff, text, api):
    author = make_user("responder", name="Rafael Responder")
    incident = resolved_with_pending_postmortem(api, author)
    approver = staff(make_user("approver"))
    page = text(approver.get(f"/admin/incidents/{incident.id}"))
    assert "The postmortem was sent for approval by Rafael Responder at " in page
    assert "Reject the postmortem" in page


def test_an_approver_rejects_a_postmortem_with_a_comment_and_its_author_is_told(
    make_user, staff, text, client, api
):
    author = make_user("responder", name="Rafael Responder", email="rafael@example.com")
    incident = resolved_with_pending_postmortem(api, author)
    approver = staff(make_user("approver", name="Ada Approver"))
    url = f"/admin/incidents/{incident.id}"
    page = approver.get(url).get_data(as_text=True)
    token = re.search(r'id="reject-postmortem".*?name="csrf_token"[^>]*value="([^"]+)"', page, re.S)

    # A rejection needs a comment.
    response = approver.post(
        f"{url}/postmortem/reject", data={"csrf_token": token.group(1), "comment": " "}
    )
    assert response.status_code == 400
    assert incident.postmortem_submitted_at is not None
    assert review_notices() == []

    response = approver.post(
        f"{url}/postmortem/reject",
        data={"csrf_token": token.group(1), "comment": "Name the alert that fired late."},
        follow_redirects=True,
    )
    assert "Sent the postmortem back to its author" in text(response)
    db.session.expire_all()
    assert incident.postmortem_submitted_at is None
    assert incident.postmortem_pending_body == ""
    assert incident.postmortem_published_at is None
    assert incident.postmortem_body == "## Root cause\nA full disk on db-7."  # a draft again
    assert "db-7" not in public_text(client, incident)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "incident.postmortem.reject")
    )
    assert "Name the alert that fired late." in event.summary
    (notice,) = review_notices()
    assert db.session.get(Subscriber, notice.subscriber_id).address == "rafael@example.com"
    assert notice.subject == "Sent back: the postmortem of API errors"
    assert "Ada Approver sent back the postmortem" in notice.text_body
    assert "What should change: Name the alert that fired late." in notice.text_body
    assert "waiting for approval" not in text(approver.get(url))


def test_rejecting_an_edit_keeps_the_approved_postmortem_public(make_user, client, api):
    from app.incidents.postmortems import reject_postmortem

    author, approver = make_user("responder"), make_user("approver")
    incident = resolved_with_pending_postmortem(api, author, "First version.")
    approve_postmortem(approver, incident)
    save_postmortem(author, incident, "Second version.", publish=True)
    db.session.commit()
    reject_postmortem(approver, incident, "Keep the first.")
    db.session.commit()
    assert incident.postmortem_published_at is not None
    assert incident.postmortem_body == "First version."
    assert "First version." in public_text(client, incident)
    (notice,) = review_notices()
    assert "Second version." in notice.text_body  # the rejected words are not lost


def test_the_postmortem_field_has_its_own_id(make_user, staff, api):
    author = make_user("responder")
    incident = resolved_with_pending_postmortem(api, author)
    page = staff(author).get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert page.count('id="body"') == 1
    assert '<label for="postmortem-body">' in page and 'id="postmortem-body"' in page


def test_the_approver_sees_the_errors_and_cannot_approve_until_they_are_fixed(
    make_user, staff, text, client, api
):
    """Found by a new user: a postmortem blaming a person, with a placeholder left in, was
    approved and published, and the approver's page showed no findings."""
    author = make_user("responder")
    blaming = "Human error by an engineer caused it. Owner: {{ owner }}."
    incident = resolved_with_pending_postmortem(api, author, blaming)
    approver = staff(make_user("approver"))
    url = f"/admin/incidents/{incident.id}"
    page = approver.get(url).get_data(as_text=True)
    section = page.split('id="postmortem-findings"', 1)[1].split("</section>", 1)[0]
    assert "What the checks found in the postmortem" in section
    assert "Blame in the postmortem: \u201cHuman error\u201d" in section
    assert "An unfilled placeholder in the postmortem: \u201c{{ owner }}\u201d" in section
    assert "Errors stop the postmortem going public" in section

    refused = approver.post(f"{url}/postmortem/approve")
    assert refused.status_code == 400
    assert "errors to fix before it can be approved" in text(refused)
    db.session.expire_all()
    assert incident.postmortem_published_at is None
    assert incident.postmortem_submitted_at is not None
    assert "Human error" not in public_text(client, incident)

    save_postmortem(author, incident, "A full disk on db-7.", publish=True)
    db.session.commit()
    assert 'id="postmortem-findings"' not in approver.get(url).get_data(as_text=True)
    approved = approver.post(f"{url}/postmortem/approve", follow_redirects=True)
    assert "Approved: the postmortem is public." in text(approved)
    assert "db-7" in public_text(client, incident)
