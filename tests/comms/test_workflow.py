"""The workflow's services: one fact sheet, a draft per audience, approval, publishing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.comms.approval import approve, override, reject, who_must_act
from app.comms.context import Facts
from app.comms.drafting import compose, edit_draft
from app.comms.publishing import publish
from app.incidents.services import declare_incident
from app.models import Communication, IncidentUpdate, utcnow
from core.db import db
from core.errors import Conflict, ServiceError
from subscribers.models import Broadcast


@pytest.fixture
def incident(make_component, audiences):
    api = make_component("Checkout API", tier="tier2")
    found = declare_incident(None, "Checkout errors", "major", {api: "partial_outage"})
    db.session.commit()
    return found


def facts(**changes):
    values = {
        "summary": "Some checkout payments fail with an error.",
        "customer_impact": "About one in ten payments in Europe fails.",
        "workaround": "Retry the payment after a minute.",
        "next_update_at": utcnow() + timedelta(minutes=30),
    }
    values.update(changes)
    return Facts(**values)


def drafts_by_audience(sheet):
    return {d.audience_key: d for d in sheet.drafts}


def test_one_fact_sheet_becomes_a_draft_per_audience_in_its_own_words(incident, make_user):
    lead = make_user("comms_lead")
    sheet = compose(
        lead,
        incident,
        status="investigating",
        facts=facts(technical_detail="The card processor answers 502 for a tenth of requests."),
        audiences=["customers", "engineering", "executives"],
    )
    db.session.commit()
    drafts = drafts_by_audience(sheet)
    assert set(drafts) == {"customers", "engineering", "executives"}
    assert "sorry" in drafts["customers"].page_text.lower()
    assert "502" in drafts["engineering"].page_text  # engineers get the technical detail
    assert "502" not in drafts["customers"].page_text
    assert drafts["customers"].needs_approval and not drafts["engineering"].needs_approval
    assert all(d.author_id == lead.id for d in drafts.values())


def test_an_internal_incident_has_no_public_audiences(make_component, make_user, audiences):
    db_component = make_component("Database", visibility="internal")
    internal = declare_incident(
        None, "DB slow", "minor", {db_component: "degraded_performance"}, visibility="internal"
    )
    with pytest.raises(ServiceError, match="internal incident has no public audiences"):
        compose(
            make_user("comms_lead"),
            internal,
            status="investigating",
            facts=facts(),
            audiences=["customers"],
        )


def test_the_first_public_update_needs_the_customers_text(incident, make_user):
    with pytest.raises(ServiceError, match="needs a customers text"):
        compose(
            make_user("comms_lead"),
            incident,
            status="investigating",
            facts=facts(),
            audiences=["engineering"],
        )


def test_editing_refreshes_the_findings_and_voids_an_approval(incident, make_user):
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    draft = sheet.drafts[0]
    approve(approver, draft)
    assert draft.state == "approved"
    edit_draft(lead, draft, page_text="This was caused by human error. We're sorry.")
    assert draft.state == "pending" and draft.approved_by_id is None
    blame = [f for f in draft.findings if f["code"] == "blame"]
    assert blame and blame[0]["severity"] == "error"
    assert draft.page_text[blame[0]["start"] : blame[0]["end"]] == "human error"


def test_nobody_approves_their_own_draft(incident, make_user):
    admin = make_user("admin")
    sheet = compose(admin, incident, status="investigating", facts=facts(), audiences=["customers"])
    with pytest.raises(ServiceError, match="someone else has to approve"):
        approve(admin, sheet.drafts[0])
    with pytest.raises(ServiceError, match="Only an approver"):
        approve(make_user("responder"), sheet.drafts[0])


def test_a_rejection_needs_a_comment_and_sends_the_draft_back(incident, make_user):
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    draft = sheet.drafts[0]
    with pytest.raises(ServiceError, match="needs a comment"):
        reject(approver, draft, "")
    reject(approver, draft, "Say which countries.")
    waiting = who_must_act(sheet)
    assert [(w.who, w.what) for w in waiting] == [
        ("author", "edit after the rejection: Say which countries.")
    ]
    edit_draft(lead, draft, page_text=draft.page_text + " Only Europe is affected.")
    assert draft.state == "pending"
    assert [w.who for w in who_must_act(sheet)] == ["approver"]


def test_who_must_act_names_errors_and_warnings_together(incident, make_user):
    lead = make_user("comms_lead")
    sheet = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    draft = sheet.drafts[0]
    edit_draft(
        lead,
        draft,
        page_text=draft.page_text + " It was human error. We think it is probably fixed.",
    )
    # An approver cannot approve a draft with an error: only its author is named.
    [author] = who_must_act(sheet)
    assert author.who == "author"
    assert author.what == "fix 1 error and change the text or give a reason for 2 warnings"


def test_one_error_in_the_page_and_the_email_is_one_error_to_fix_everywhere(incident, make_user):
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    draft = sheet.drafts[0]
    blamed = " Dave from Platform deployed a broken build."
    edit_draft(
        lead, draft, page_text=draft.page_text + blamed, email_body=draft.email_body + blamed
    )
    # The blame, and the jargon "deployed", each in two texts: one error, one warning.
    [author] = who_must_act(sheet)
    assert author.what == "fix 1 error and change the text or give a reason for 1 warning"
    with pytest.raises(ServiceError, match="This draft has 1 error to fix before"):
        approve(approver, draft)
    both = "customers: 1 error to fix; customers: 1 warning to fix or give a reason for"
    with pytest.raises(ServiceError, match=both):
        publish(lead, sheet)
    # Fixed: now it is the approver's move.
    edit_draft(
        lead,
        draft,
        page_text=draft.page_text.replace(blamed, ""),
        email_body=draft.email_body.replace(blamed, ""),
    )
    assert [w.who for w in who_must_act(sheet)] == ["approver"]


def test_warnings_are_published_only_with_a_recorded_reason(incident, make_user):
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(
        lead,
        incident,
        status="investigating",
        facts=facts(next_update_at=None),
        audiences=["customers"],
    )
    draft = sheet.drafts[0]
    approve(approver, draft)
    with pytest.raises(ServiceError, match="1 warning to fix or give a reason for"):
        publish(lead, sheet)
    warning = next(f for f in draft.findings if f["code"] == "no_next_update")
    key = f"{warning['code']}:{warning['field']}:{warning['start']}"
    override(lead, draft, key, "We will update when the processor replies.")
    assert draft.overrides[key]["by"] == lead.email
    result = publish(lead, sheet)
    assert result.update.body == draft.page_text


def test_publishing_puts_each_text_where_it_belongs_and_broadcasts_per_audience(
    incident, make_user, client
):
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(
        lead,
        incident,
        status="identified",
        facts=facts(technical_detail="Processor 502s."),
        audiences=["customers", "engineering", "support"],
    )
    drafts = drafts_by_audience(sheet)
    approve(approver, drafts["customers"])
    drafts["support"].notify = False
    result = publish(lead, sheet)
    db.session.commit()
    update = result.update
    assert update.body == drafts["customers"].page_text
    assert update.internal_body == drafts["engineering"].page_text
    assert incident.announced_at is not None and incident.status == "identified"
    sent = {d.audience_key: b for d, b in result.sent}
    assert sent["support"] is None and sent["customers"] is not None
    assert sent["engineering"].subject == drafts["engineering"].email_subject
    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Processor 502s" not in page
    kinds = db.session.scalars(
        select(Communication.kind).where(Communication.draft_id.is_not(None))
    ).all()
    assert sorted(kinds) == ["update", "update"]


def test_publishing_twice_publishes_once(incident, make_user):
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    approve(approver, sheet.drafts[0])
    first = publish(lead, sheet, idempotency_key="key-1")
    db.session.commit()
    again = publish(lead, sheet, idempotency_key="key-1")
    also = publish(lead, sheet)
    assert again.repeated and also.repeated
    assert again.update.id == first.update.id == also.update.id
    assert db.session.scalar(select(func.count()).select_from(IncidentUpdate)) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(Broadcast).where(Broadcast.source.like("draft:%"))
        )
        == 1
    )


def test_an_idempotency_key_cannot_publish_a_second_set(incident, make_user):
    lead, approver = make_user("comms_lead"), make_user("approver")
    first = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    approve(approver, first.drafts[0])
    publish(lead, first, idempotency_key="same")
    db.session.commit()
    second = compose(lead, incident, status="identified", facts=facts(), audiences=["customers"])
    approve(approver, second.drafts[0])
    with pytest.raises(Conflict, match="already used"):
        publish(lead, second, idempotency_key="same")


def test_a_waiting_approval_blocks_publishing_and_changes_nothing(incident, make_user):
    lead = make_user("comms_lead")
    sheet = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    db.session.commit()
    with pytest.raises(ServiceError, match="waiting for approval"):
        publish(lead, sheet)
    db.session.rollback()
    assert sheet.published_at is None
    assert db.session.scalar(select(func.count()).select_from(IncidentUpdate)) == 0


def test_an_internal_incident_made_public_does_not_show_its_internal_texts(
    make_component, make_user, client, audiences
):
    from app.incidents.services import edit_incident

    api = make_component("Checkout API")
    internal = declare_incident(
        None, "Checkout errors", "minor", {api: "degraded_performance"}, visibility="internal"
    )
    lead = make_user("comms_lead")
    sheet = compose(
        lead,
        internal,
        status="investigating",
        facts=facts(technical_detail="Pod restarts on node 7."),
        audiences=["engineering"],
    )
    result = publish(lead, sheet)
    db.session.commit()
    assert result.update.body == "" and "node 7" in result.update.internal_body
    edit_incident(lead, internal, visibility="public")
    db.session.commit()
    assert internal.announced_at is None  # nothing public to announce yet
    assert "node 7" not in client.get("/api/v2/incidents.json").get_data(as_text=True)
    sheet = compose(lead, internal, status="identified", facts=facts(), audiences=["customers"])
    approve(make_user("approver"), sheet.drafts[0])
    publish(lead, sheet)
    db.session.commit()
    public = client.get(f"/incidents/{internal.public_id}").get_data(as_text=True)
    assert "node 7" not in public and sheet.drafts[0].page_text.split("\n")[0][:40] in public


def test_an_approved_customers_draft_is_not_published_once_the_incident_is_internal(
    incident, make_user, client
):
    from app.incidents.services import edit_incident

    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(
        lead,
        incident,
        status="identified",
        facts=facts(summary="Checkout payments fail at the card processor."),
        audiences=["customers", "engineering"],
    )
    drafts = drafts_by_audience(sheet)
    approve(approver, drafts["customers"])
    db.session.commit()
    edit_incident(lead, incident, visibility="internal")
    db.session.commit()
    with pytest.raises(ServiceError, match="customers: the incident is internal now"):
        publish(lead, sheet)
    db.session.rollback()
    assert sheet.published_at is None and incident.updates == []
    # Nothing went to subscribers (the staff notices of the approval are no broadcast of
    # the update).
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Broadcast)
            .where(Broadcast.kind != "draft_review")
            .where(Broadcast.kind != "approval_request")
        )
        == 0
    )
    # Leaving the customers draft out publishes the internal text only.
    result = publish(lead, sheet, audiences=["engineering"])
    db.session.commit()
    assert result.update.body == "" and result.update.internal_body
    assert [d.audience_key for d, b in result.sent if b] == ["engineering"]
    assert incident.announced_at is None
    assert client.get(f"/incidents/{incident.public_id}").status_code == 404


def test_one_key_on_two_sets_published_at_the_same_moment_is_a_conflict(
    incident, make_user, monkeypatch
):
    from sqlalchemy import false

    from app.comms import publishing

    lead, approver = make_user("comms_lead"), make_user("approver")
    first = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    approve(approver, first.drafts[0])
    publish(lead, first, idempotency_key="same")
    second = compose(lead, incident, status="identified", facts=facts(), audiences=["customers"])
    approve(approver, second.drafts[0])
    db.session.commit()
    # The race: the other request had not committed its key when this one looked for it,
    # so the unique key stops this one at the claim.
    looked = select
    monkeypatch.setattr(publishing, "select", lambda *what: looked(*what).where(false()))
    with pytest.raises(Conflict, match="already used for another update"):
        publish(lead, second, idempotency_key="same")
    db.session.expire_all()
    assert second.published_at is None and second.idempotency_key is None
    assert db.session.scalar(select(func.count()).select_from(IncidentUpdate)) == 1


def test_a_new_set_replaces_the_sets_not_yet_published(incident, make_user):
    """Found by a new user: an older set stayed approvable (from the approver's email)
    after a newer one was written, and "who has to act" disagreed with the dashboard."""
    lead, approver = make_user("comms_lead"), make_user("approver")
    older = compose(lead, incident, status="investigating", facts=facts(), audiences=["customers"])
    db.session.commit()
    newer = compose(lead, incident, status="identified", facts=facts(), audiences=["customers"])
    db.session.commit()
    with pytest.raises(Conflict, match="A newer set of drafts replaces this one"):
        approve(approver, older.drafts[0])
    with pytest.raises(Conflict, match="A newer set of drafts replaces this one"):
        publish(lead, older)
    assert who_must_act(older) == []  # nothing to approve or publish; its page says why
    approve(approver, newer.drafts[0])
    publish(lead, newer)
    db.session.commit()
    assert newer.published_at is not None and older.published_at is None
    assert older.drafts[0].state != "discarded"  # untouched: the lead may still read it


def test_every_draft_says_the_impact_chosen_on_the_fact_sheet(incident, make_user):
    # The incident was declared major; the lead raises it to critical on this update.
    lead = make_user("comms_lead")
    sheet = compose(
        lead,
        incident,
        status="identified",
        facts=facts(),
        audiences=["customers", "engineering", "executives"],
        impact="critical",
    )
    for draft in (d for d in sheet.drafts if d.audience_key != "customers"):
        text = draft.page_text + draft.email_body + draft.sms_text
        assert "critical" in text.lower(), draft.audience_key
        assert "major impact" not in text.lower(), draft.audience_key
