# ruff: noqa: F811  (the fixtures imported below are redefined as test arguments)
"""The buttons and modals of Herald's Slack messages: declaring from the modal, drafting
an update, approving and rejecting drafts with the four-eyes rule, publishing, roll calls;
each as the matched staff account, audited, and the message updated in place."""

from __future__ import annotations

from sqlalchemy import select

from app.comms import drafting
from app.comms.context import Facts
from app.incidents.services import declare_incident
from app.models import AuditEvent, FactSheet, Incident, IncidentComponent, RollCall
from app.models.users import Team
from app.status.components import create_component
from core.db import db
from subscribers.channels.slack_api import slack_client
from tests.slack.slack_app_fixtures import (  # noqa: F401
    member,
    notes,
    opened_view,
    responses,
    sender,
    slack,
    slack_app,
)


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _drafted(lead):
    api = create_component(None, "Payments API")
    incident = declare_incident(lead, "Card payments failing", "major", {api: "major_outage"})
    sheet = drafting.compose(
        lead,
        incident,
        status="investigating",
        facts=Facts(summary="Some card payments fail; we are looking into it."),
        audiences=list(drafting.allowed_audiences(incident)),
    )
    db.session.commit()
    return incident, sheet


def _posted(slack_app, channel: str, value: str, action_ids=("herald_approve", "herald_reject")):
    """A message with Herald's buttons, as the notices post it (through the fake)."""
    buttons = [
        {
            "type": "button",
            "action_id": a,
            "text": {"type": "plain_text", "text": a},
            "value": value,
        }
        for a in action_ids
    ] + [
        {
            "type": "button",
            "action_id": "herald_open",
            "text": {"type": "plain_text", "text": "Open"},
            "url": "https://status.example.com/admin",
        }
    ]
    answer = slack_client(slack_app.config).chat_postMessage(
        channel=channel,
        text="A draft waits for approval",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "A draft waits"}},
            {"type": "actions", "elements": buttons},
        ],
    )
    return {
        "channel": answer["channel"],
        "ts": answer["ts"],
        "text": "A draft waits for approval",
        "blocks": answer["message"]["blocks"],
    }


def test_the_declare_modal_declares_the_incident_as_the_matched_user(sender, member, slack):
    lead, slack_id = member("comms_lead")
    checkout = create_component(None, "Checkout")
    db.session.commit()
    sender.command("declare Checkout errors", slack_id)
    view = opened_view(slack)
    answer = sender.submit(
        slack_id,
        view,
        {
            "name": "Checkout errors",
            "impact": ("select", "major"),
            "components": [checkout.public_id],
            "component_status": ("select", "partial_outage"),
            "visibility": ("select", "internal"),
        },
    )
    assert answer.status_code == 200
    assert answer.json["response_action"] == "update"
    incident = db.session.scalar(select(Incident))
    assert (incident.name, incident.impact, incident.visibility) == (
        "Checkout errors",
        "major",
        "internal",
    )
    link = db.session.scalar(select(IncidentComponent))
    assert (link.component_id, link.status) == (checkout.id, "partial_outage")
    [event] = _audit("incident.declare")
    assert event.user_id == lead.id and event.actor == lead.email


def test_declare_modal_errors_are_shown_under_the_field(sender, member, slack):
    _, slack_id = member("comms_lead")
    sender.command("declare x", slack_id)
    answer = sender.submit(
        slack_id,
        opened_view(slack),
        {"name": "two\nlines", "impact": ("select", "major"), "visibility": ("select", "public")},
    )
    assert answer.json["response_action"] == "errors"
    assert set(answer.json["errors"]) == {"name"}
    assert db.session.scalar(select(Incident)) is None


def test_the_update_modal_drafts_a_set_through_the_composer_service(sender, member, slack):
    lead, slack_id = member("comms_lead")
    incident = declare_incident(lead, "Search is slow", "minor", {})
    db.session.commit()
    sender.command("update", slack_id)
    answer = sender.submit(
        slack_id,
        opened_view(slack),
        {
            "status": ("select", "identified"),
            "summary": "Search is slow because an index is rebuilding.",
            "next_update": "30",
        },
    )
    assert answer.json["response_action"] == "update", answer.json
    sheet = db.session.scalar(select(FactSheet).where(FactSheet.incident_id == incident.id))
    assert sheet.status == "identified" and sheet.author_id == lead.id
    assert sheet.summary == "Search is slow because an index is rebuilding."
    assert sheet.next_update_at is not None
    assert {d.audience_key for d in sheet.drafts} == set(drafting.allowed_audiences(incident))
    assert _audit("draft.compose")[0].user_id == lead.id


def test_the_update_modal_refuses_bad_minutes(sender, member, slack):
    lead, slack_id = member("comms_lead")
    declare_incident(lead, "Search is slow", "minor", {})
    db.session.commit()
    sender.command("update", slack_id)
    answer = sender.submit(
        slack_id,
        opened_view(slack),
        {"status": ("select", "identified"), "summary": "x", "next_update": "soon"},
    )
    assert answer.json == {
        "response_action": "errors",
        "errors": {"next_update": "A number of minutes from 1 to 1440."},
    }
    assert db.session.scalar(select(FactSheet)) is None


def test_an_approver_approves_and_the_message_is_updated_in_place(slack_app, sender, member, slack):
    lead, _ = member("comms_lead")
    approver, slack_id = member("approver")
    _, sheet = _drafted(lead)
    draft = next(d for d in sheet.drafts if d.needs_approval)
    message = _posted(slack_app, slack_id, f"draft:{draft.public_id}")
    assert (
        sender.press(slack_id, "herald_approve", f"draft:{draft.public_id}", message).status_code
        == 200
    )
    assert notes(sender.responses) == []
    db.session.refresh(draft)
    assert draft.state == "approved" and draft.approved_by_id == approver.id
    assert _audit("draft.approve")[0].user_id == approver.id
    [update] = slack.calls("chat.update")
    assert slack.params(update)["ts"] == message["ts"]
    shown = slack.messages[(message["channel"], message["ts"])]
    buttons = [e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["herald_open"]
    assert "approved by Approver Person" in shown["blocks"][-1]["elements"][0]["text"]
    assert len(slack.posted()) == 1  # updated, never posted again


def test_an_author_cannot_approve_their_own_draft_from_slack(slack_app, sender, member, slack):
    admin, slack_id = member("admin")  # admins may approve, but not their own words
    _, sheet = _drafted(admin)
    draft = next(d for d in sheet.drafts if d.needs_approval)
    message = _posted(slack_app, slack_id, f"draft:{draft.public_id}")
    sender.press(slack_id, "herald_approve", f"draft:{draft.public_id}", message)
    assert notes(sender.responses) == [
        "You wrote or edited this draft, so someone else has to approve it."
    ]
    db.session.refresh(draft)
    assert draft.state != "approved"
    assert _audit("draft.approve") == []
    assert slack.calls("chat.update") == []


def test_a_responder_pressing_approve_is_refused(slack_app, sender, member, slack):
    lead, _ = member("comms_lead")
    _, slack_id = member("responder")
    _, sheet = _drafted(lead)
    draft = next(d for d in sheet.drafts if d.needs_approval)
    message = _posted(slack_app, slack_id, f"draft:{draft.public_id}")
    sender.press(slack_id, "herald_approve", f"draft:{draft.public_id}", message)
    assert notes(sender.responses) == ["Your Herald role (responder) cannot approve drafts."]
    db.session.refresh(draft)
    assert draft.state != "approved"


def test_an_unknown_slack_user_pressing_a_button_changes_nothing(slack_app, sender, member, slack):
    lead, _ = member("comms_lead")
    _, stranger = member("approver", "visitor@example.com", in_herald=False)
    _, sheet = _drafted(lead)
    draft = next(d for d in sheet.drafts if d.needs_approval)
    sender.press(stranger, "herald_approve", f"draft:{draft.public_id}")
    assert notes(sender.responses) == ["No Herald account for visitor@example.com; ask an admin."]
    db.session.refresh(draft)
    assert draft.state != "approved"


def test_reject_opens_a_comment_modal_and_its_submission_rejects(slack_app, sender, member, slack):
    lead, _ = member("comms_lead")
    approver, slack_id = member("approver")
    _, sheet = _drafted(lead)
    draft = next(d for d in sheet.drafts if d.needs_approval)
    value = f"draft:{draft.public_id}"
    message = _posted(slack_app, slack_id, value)
    sender.press(slack_id, "herald_reject", value, message)
    view = opened_view(slack)
    assert view["callback_id"] == "herald_reject"
    empty = sender.submit(slack_id, view, {"comment": "  "})
    assert empty.json["response_action"] == "errors" and "comment" in empty.json["errors"]
    answer = sender.submit(slack_id, view, {"comment": "Say when the next update comes."})
    assert answer.status_code == 200 and answer.get_data() == b""
    db.session.refresh(draft)
    assert draft.state == "rejected" and draft.rejected_by_id == approver.id
    assert draft.review_comment == "Say when the next update comes."
    assert _audit("draft.reject")[0].user_id == approver.id
    notes(sender.responses)  # waits for the follow-up
    shown = slack.messages[(message["channel"], message["ts"])]
    assert "rejected by Approver Person" in shown["text"]
    assert not any(b["type"] == "actions" for b in shown["blocks"])


def test_a_lead_publishes_a_ready_set(slack_app, sender, member, slack):
    lead, _ = member("comms_lead")
    approver, _ = member("approver")
    publisher, slack_id = member("comms_lead")
    _, sheet = _drafted(lead)
    from app.comms import approval
    from app.comms.checks import blocking

    for draft in sheet.drafts:
        for finding in blocking(draft.findings, draft.overrides or {}):
            key = f"{finding['code']}:{finding['field']}:{finding['start']}"
            approval.override(lead, draft, key, "Known and accepted for this test.")
        if draft.needs_approval:
            approval.approve(approver, draft)
    db.session.commit()
    value = f"sheet:{sheet.public_id}"
    message = _posted(slack_app, "C0LEADS0001", value, ("herald_publish",))
    sender.press(slack_id, "herald_publish", value, message)
    assert notes(sender.responses) == []
    db.session.refresh(sheet)
    assert sheet.published_at is not None and sheet.published_by_id == publisher.id
    shown = slack.messages[(message["channel"], message["ts"])]
    assert "Published by" in shown["blocks"][-1]["elements"][0]["text"]


def test_publishing_a_set_not_ready_says_why(slack_app, sender, member, slack):
    lead, slack_id = member("comms_lead")
    _, sheet = _drafted(lead)
    sender.press(slack_id, "herald_publish", f"sheet:{sheet.public_id}")
    [note] = notes(sender.responses)
    assert note.startswith("Not ready to publish")
    db.session.refresh(sheet)
    assert sheet.published_at is None


def test_a_team_answers_its_roll_call(slack_app, sender, member, slack):
    lead, _ = member("comms_lead")
    responder, slack_id = member("responder")
    team = Team(name="Payments")
    db.session.add(team)
    incident = declare_incident(lead, "Card payments failing", "major", {})
    db.session.flush()
    call = RollCall(incident=incident, team=team, token="t" * 40)
    db.session.add(call)
    db.session.commit()
    value = f"rollcall:{incident.public_id}:{team.id}"
    message = _posted(
        slack_app, "C0PAYMENTS1", value, ("herald_rollcall_operational", "herald_rollcall_affected")
    )
    sender.press(slack_id, "herald_rollcall_affected", value, message)
    assert notes(sender.responses) == []
    db.session.refresh(call)
    assert (call.state, call.answered_via, call.answered_by) == (
        "affected",
        "slack",
        responder.email,
    )
    assert _audit("rollcall.answer")[0].user_id == responder.id
    shown = slack.messages[(message["channel"], message["ts"])]
    assert "Payments answered *affected*" in shown["blocks"][-1]["elements"][0]["text"]


def test_the_open_button_is_only_acknowledged(sender, member, slack):
    _, slack_id = member("viewer")
    answer = sender.press(slack_id, "herald_open", "")
    assert answer.status_code == 200
    assert notes(sender.responses) == []
    assert slack.calls("users.info") == []


def test_a_payload_that_is_not_json_is_refused(sender):
    answer = sender.post("/integrations/slack/interactions", {"payload": "{not json"})
    assert answer.status_code == 400
