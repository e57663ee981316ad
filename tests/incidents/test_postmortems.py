"""Postmortems: a person's postmortem is public only once an approver other than its author
signs it off, while the customers' texts need approval."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.incidents.postmortems import approve_postmortem, save_postmortem
from app.incidents.services import declare_incident, post_incident_update
from core.db import db
from core.errors import ServiceError
from subscribers.audiences import get_audience
from subscribers.models import Broadcast
from tests.public_view import public_text


@pytest.fixture
def resolved(make_component, audiences):
    api = make_component("API")
    incident = declare_incident(None, "API errors", "major", {api: "major_outage"})
    post_incident_update(None, incident, "resolved", "Fixed.", reviewed=True)
    db.session.commit()
    return incident


def broadcast_count() -> int:
    """Broadcasts to anyone but staff (approvers are told that a text waits)."""
    return db.session.scalar(
        select(func.count()).select_from(Broadcast).where(Broadcast.kind != "approval_request")
    )


def test_a_responders_postmortem_is_neither_public_nor_sent_until_an_approver_signs_it_off(
    resolved, make_user, client
):
    responder, approver = make_user("responder"), make_user("approver")
    sent_before = broadcast_count()
    save_postmortem(responder, resolved, "## Root cause\nA full disk on db-7.", publish=True)
    db.session.commit()
    assert resolved.postmortem_published_at is None
    assert resolved.postmortem_submitted_at is not None
    assert "db-7" not in public_text(client, resolved)
    assert broadcast_count() == sent_before
    asked = db.session.scalars(select(Broadcast).where(Broadcast.kind == "approval_request"))
    assert [b.subject for b in asked] == [f"A postmortem waits for your approval: {resolved.name}"]

    approve_postmortem(approver, resolved)
    db.session.commit()
    assert resolved.postmortem_published_at is not None
    assert resolved.postmortem_submitted_at is None
    assert resolved.postmortem_approved_by_id == approver.id
    assert "db-7" in public_text(client, resolved)


def test_the_author_of_a_postmortem_cannot_approve_it(resolved, make_user, client):
    approver = make_user("approver")
    save_postmortem(approver, resolved, "A full disk on db-7.", publish=True)
    db.session.commit()
    with pytest.raises(ServiceError, match="someone else has to approve it"):
        approve_postmortem(approver, resolved)
    assert resolved.postmortem_published_at is None
    assert "db-7" not in public_text(client, resolved)


def test_only_an_approver_approves_and_only_a_postmortem_sent_for_approval(resolved, make_user):
    responder, other, approver = (
        make_user("responder"),
        make_user("responder"),
        make_user("approver"),
    )
    with pytest.raises(ServiceError, match="not waiting for approval"):
        approve_postmortem(approver, resolved)
    save_postmortem(responder, resolved, "A full disk.", publish=True)
    with pytest.raises(ServiceError, match="Only an approver"):
        approve_postmortem(other, resolved)
    assert resolved.postmortem_published_at is None


def test_editing_an_approved_postmortem_sends_the_edit_for_approval_and_keeps_the_old_one(
    resolved, make_user, client
):
    """Found by a new user: the published postmortem vanished from the page while an
    edit waited for approval."""
    responder, approver = make_user("responder"), make_user("approver")
    save_postmortem(responder, resolved, "A full disk on a replica.", publish=True)
    approve_postmortem(approver, resolved)
    save_postmortem(responder, resolved, "A full disk on a replica.", publish=True)  # unchanged
    assert resolved.postmortem_published_at is not None
    assert resolved.postmortem_submitted_at is None
    save_postmortem(responder, resolved, "A full disk on db-7.", publish=True)
    db.session.commit()
    assert resolved.postmortem_submitted_at is not None
    shown = public_text(client, resolved)
    assert "A full disk on a replica." in shown and "db-7" not in shown

    approve_postmortem(approver, resolved)
    db.session.commit()
    shown = public_text(client, resolved)
    assert "db-7" in shown and "A full disk on a replica." not in shown


def test_the_approver_reads_the_text_waiting_for_approval_on_the_incident_page(
    resolved, make_user, staff
):
    """Found by a new user: the page offered "Approve and publish" without the text."""
    save_postmortem(make_user("responder"), resolved, "A full disk on db-7.", publish=True)
    db.session.commit()
    page = staff(make_user("approver")).get(f"/admin/incidents/{resolved.id}")
    text = page.get_data(as_text=True)
    assert "The text waiting for approval" in text and "db-7" in text
    assert "Approve and publish the postmortem" in text


def test_when_customers_need_no_approval_a_postmortem_is_published_at_once(
    resolved, make_user, client
):
    get_audience("customers").needs_approval = False
    save_postmortem(make_user("responder"), resolved, "A full disk on db-7.", publish=True)
    db.session.commit()
    assert resolved.postmortem_published_at is not None
    assert resolved.postmortem_submitted_at is None
    assert "db-7" in public_text(client, resolved)


ERRORS = "Human error by an engineer on the platform team caused it. Owner: {{ owner }}."


def test_errors_in_a_postmortem_refuse_its_approval_until_the_text_is_fixed(
    resolved, make_user, client
):
    """Found by a new user: a blaming postmortem with a placeholder left in was approved
    and published."""
    responder, approver = make_user("responder"), make_user("approver")
    save_postmortem(responder, resolved, ERRORS, publish=True)
    db.session.commit()
    with pytest.raises(ServiceError, match=r"3 errors to fix before it can be approved"):
        approve_postmortem(approver, resolved)
    db.session.rollback()
    assert resolved.postmortem_published_at is None
    assert resolved.postmortem_submitted_at is not None
    assert "Human error" not in public_text(client, resolved)

    save_postmortem(responder, resolved, "A full disk on db-7.", publish=True)
    approve_postmortem(approver, resolved)
    db.session.commit()
    assert resolved.postmortem_published_at is not None
    assert "db-7" in public_text(client, resolved)


def test_errors_refuse_a_postmortem_published_at_once_and_change_nothing(
    resolved, make_user, client
):
    get_audience("customers").needs_approval = False
    lead = make_user("comms_lead")
    save_postmortem(lead, resolved, "A full disk on db-7.", publish=True)
    db.session.commit()
    with pytest.raises(ServiceError, match=r"before it can be published") as refused:
        save_postmortem(lead, resolved, ERRORS, publish=True)
    assert refused.value.field == "findings"
    assert "Blame in the postmortem" in refused.value.message
    db.session.rollback()
    assert resolved.postmortem_body == "A full disk on db-7."
    assert "Human error" not in public_text(client, resolved)
    # Saved as a draft, it waits for its fix without going public.
    save_postmortem(lead, resolved, ERRORS, publish=False)
    db.session.commit()
    assert resolved.postmortem_published_at is None
