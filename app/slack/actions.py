"""The buttons on Herald's Slack messages (the action ids are the contract with the
messages Herald posts): approve or reject a draft, publish a ready set, answer a roll
call, open Herald (a link: acknowledged, nothing to do).

Who pressed is matched to a staff account; the same permissions and four-eyes rules as
the web apply because the same services run, and they audit as that account. The work
runs after Slack got its answer; refusals come back as ephemeral notes."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from app.auth.permissions import can
from app.comms import approval, publishing, rollcall
from app.models import Draft, FactSheet, Incident, RollCall, User
from app.slack import modals
from app.slack.busy import Busy, short_locks
from app.slack.identity import NoAccount, staff_user
from app.slack.replies import client, mark_message, stamp, tell, without_buttons
from core.db import db
from core.errors import ServiceError

APPROVE = "herald_approve"
REJECT = "herald_reject"
PUBLISH = "herald_publish"
OPERATIONAL = "herald_rollcall_operational"
AFFECTED = "herald_rollcall_affected"
OPEN = "herald_open"


class Refused(Exception):
    """The person may not do this (or it cannot be done); the message says why."""


def _draft(value: str) -> Draft:
    kind, _, public_id = value.partition(":")
    draft = (
        db.session.scalar(select(Draft).where(Draft.public_id == public_id))
        if kind == "draft" and public_id
        else None
    )
    if draft is None:
        raise Refused("That draft no longer exists.")
    return draft


def _may(user: User, permission: str, what: str) -> None:
    if not can(user, permission):
        raise Refused(f"Your Herald role ({user.role}) cannot {what}.")


def _approve(user: User, value: str) -> str:
    _may(user, "approve_drafts", "approve drafts")
    draft = _draft(value)
    approval.approve(user, draft)
    return (
        f":white_check_mark: The {draft.audience_key} draft was approved by "
        f"{modals.escape(user.display_name)} at {stamp()}."
    )


def _publish(user: User, value: str) -> str:
    _may(user, "publish_updates", "publish updates")
    kind, _, public_id = value.partition(":")
    sheet = (
        db.session.scalar(select(FactSheet).where(FactSheet.public_id == public_id))
        if kind == "sheet" and public_id
        else None
    )
    if sheet is None:
        raise Refused("That set of drafts no longer exists.")
    result = publishing.publish_set(user, sheet)
    if result.repeated:
        return ":information_source: This update was already published; nothing was sent again."
    return (
        f":mega: Published by {modals.escape(user.display_name)} at {stamp()} "
        f"for {', '.join(d.audience_key for d, _ in result.sent)}."
    )


def _roll_call(state: str):
    def answer(user: User, value: str) -> str:
        _may(user, "answer_roll_call", "answer roll calls")
        kind, _, rest = value.partition(":")
        incident_id, _, team_id = rest.partition(":")
        call = None
        if kind == "rollcall" and team_id.isdigit() and len(team_id) < 12:
            call = db.session.scalar(
                select(RollCall)
                .join(Incident, RollCall.incident_id == Incident.id)
                .where(Incident.public_id == incident_id, RollCall.team_id == int(team_id))
            )
        if call is None:
            raise Refused("That roll call no longer exists.")
        rollcall.answer(call, state, by=user.email, via="slack", actor=user)
        return (
            f":white_check_mark: {modals.escape(call.team.name)} answered *{state}* "
            f"({modals.escape(user.display_name)} at {stamp()})."
        )

    return answer


HANDLERS = {
    APPROVE: _approve,
    PUBLISH: _publish,
    OPERATIONAL: _roll_call("operational"),
    AFFECTED: _roll_call("affected"),
}


def handle(payload: dict) -> None:
    """Run one pressed button (after the answer to Slack) and update its message."""
    action = (payload.get("actions") or [{}])[0]
    action_id, value = action.get("action_id", ""), str(action.get("value") or "")
    response_url = payload.get("response_url")
    try:
        with short_locks():
            user = staff_user(client(), (payload.get("user") or {}).get("id", ""))
            line = HANDLERS[action_id](user, value)
            db.session.commit()
    except (NoAccount, Refused, Busy) as refusal:
        db.session.rollback()
        tell(response_url, str(refusal))
        return
    except ServiceError as error:
        db.session.rollback()
        tell(response_url, error.message)
        return
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    mark_message(
        container.get("channel_id") or (payload.get("channel") or {}).get("id", ""),
        message.get("ts") or container.get("message_ts", ""),
        without_buttons(message.get("blocks") or [], value),
        message.get("text", ""),
        line,
    )


def open_reject(payload: dict) -> str | None:
    """Reject needs a comment: check who it is, then open the comment modal at once
    (the trigger_id lasts 3 s). Returns a refusal to tell, or None."""
    action = (payload.get("actions") or [{}])[0]
    value = str(action.get("value") or "")
    web = client(in_request=True)
    try:
        with short_locks():
            user = staff_user(web, (payload.get("user") or {}).get("id", ""))
            _may(user, "approve_drafts", "reject drafts")
            draft = _draft(value)
    except (NoAccount, Refused, Busy) as refusal:
        return str(refusal)
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    view = modals.reject_modal(
        draft.public_id,
        container.get("channel_id") or (payload.get("channel") or {}).get("id", ""),
        message.get("ts") or container.get("message_ts", ""),
        message.get("text", ""),
    )
    try:
        web.views_open(trigger_id=payload.get("trigger_id", ""), view=view)
    except SlackApiError as error:
        return f"Slack did not open the form ({error.response.get('error', 'error')}); try again."
    return None
