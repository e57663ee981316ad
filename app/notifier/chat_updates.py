"""Slack messages kept current: once what a message asked for is decided (a draft
approved or rejected, a set published, a roll call answered, on the web or in Slack),
every Slack message Herald posted about it is edited in place (``chat.update``, same
``ts``) to say so, its buttons removed. Never a second message.

Why a periodic job ("chat-updates", in the worker's slow thread) rather than a call
after the web request commits: the state of the draft, set or roll call is the truth,
so the job needs no queue of its own and nothing is lost when a process dies or Slack is
down; a 429 or a 500 leaves the message as it is and the next tick tries again; and the
web action never waits on Slack. It costs one small query a tick, and the edit lands a
few seconds after the decision.

What a message is about is read from its buttons (``Broadcast.chat_actions``, see
``app.notifier.buttons``). Closing a message blanks its buttons' values and drops the
deciding ones: that is the record that it is done, so it is edited once. A message whose
post is still queued is left until it is posted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from slack_sdk.errors import SlackApiError
from sqlalchemy import exists, select

from app.comms.drafting import newer_set
from app.models import Draft, FactSheet, Incident, RollCall, User
from app.notifier import buttons
from core.db import db
from core.time import utcnow
from subscribers.channels.slack import message_payload
from subscribers.channels.slack_api import error_code, slack_client
from subscribers.models import Broadcast, Delivery

log = logging.getLogger(__name__)

# Messages older than this are history: nobody will click them again.
LOOK_BACK = timedelta(days=14)
KINDS = ("approval_request", "draft_review", "roll_call", "all_clear")
# Slack's answers meaning there is nothing left to edit (deleted, channel archived …).
GONE = {"message_not_found", "channel_not_found", "is_archived", "cant_update_message"}


@dataclass(frozen=True)
class Outcome:
    """What became of what a message asked: the words that replace its buttons."""

    words: str


def _when(moment: datetime | None) -> str:
    return f" at {moment:%H:%M} UTC" if moment else ""


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else "someone"


def _draft_outcome(draft: Draft) -> Outcome | None:
    if draft.state == "approved" or (draft.state == "published" and draft.approved_by_id):
        return Outcome(f"Approved by {_name(draft.approved_by_id)}{_when(draft.approved_at)}")
    if draft.state == "rejected":
        comment = f": {draft.review_comment}" if draft.review_comment else ""
        return Outcome(
            f"Rejected by {_name(draft.rejected_by_id)}{_when(draft.rejected_at)}{comment}"
        )
    if draft.state == "published":
        return Outcome(f"Published{_when(draft.published_at)}")
    if draft.state == "discarded":
        return Outcome("Discarded: nothing left to approve")
    return None


def _sheet_outcome(sheet: FactSheet) -> Outcome | None:
    if sheet.published_at is not None:
        return Outcome(f"Published by {_name(sheet.published_by_id)}{_when(sheet.published_at)}")
    if all(d.state == "discarded" for d in sheet.drafts):
        return Outcome("Discarded: nothing left to publish")
    if newer_set(sheet) is not None:
        return Outcome("Replaced by a newer set of drafts")
    return None


def _reviewed_outcome(sheet: FactSheet) -> Outcome | None:
    """Several drafts waited (one Open button): done when none waits any more."""
    closed = _sheet_outcome(sheet)
    if closed is not None:
        return closed
    needing = [d for d in sheet.drafts if d.needs_approval and d.state != "discarded"]
    if any(d.state == "pending" for d in needing) or not needing:
        return None
    return Outcome(
        "Reviewed: "
        + "; ".join(
            f"{d.audience_key} {(_draft_outcome(d) or Outcome('waiting')).words.lower()}"
            for d in needing
        )
    )


def _roll_call_outcome(value: str) -> Outcome | None:
    _, incident_id, team_id = [*value.split(":"), "", ""][:3]
    incident = db.session.scalar(select(Incident).where(Incident.public_id == incident_id))
    if incident is None or not team_id.isdigit():
        return Outcome("This roll call is no longer open")
    call = db.session.scalar(
        select(RollCall).where(
            RollCall.incident_id == incident.id, RollCall.team_id == int(team_id)
        )
    )
    if call is not None and call.state != "pending":
        answer = "our services are operational" if call.state == "operational" else "affected"
        who = f" by {call.answered_by}" if call.answered_by else ""
        return Outcome(f"Answered{who}{_when(call.answered_at)}: {answer}")
    if incident.status == "resolved":
        return Outcome("The incident is resolved: no answer needed")
    return None


def outcome_of(broadcast: Broadcast) -> Outcome | None:
    """What its buttons asked for, if decided; None while it is still open (or when the
    message asks nothing)."""
    actions = broadcast.chat_actions or []
    ids = {a.get("id") for a in actions}
    values = [a.get("value") or "" for a in actions]
    if ids & {buttons.APPROVE, buttons.REJECT}:
        public_id = next(v for v in values if v.startswith("draft:")).split(":", 1)[1]
        draft = db.session.scalar(select(Draft).where(Draft.public_id == public_id))
        return _draft_outcome(draft) if draft else Outcome("This draft is gone")
    if buttons.PUBLISH in ids:
        public_id = next(v for v in values if v.startswith("sheet:")).split(":", 1)[1]
        sheet = db.session.scalar(select(FactSheet).where(FactSheet.public_id == public_id))
        return _sheet_outcome(sheet) if sheet else Outcome("This set is gone")
    if ids & {buttons.OPERATIONAL, buttons.AFFECTED}:
        return _roll_call_outcome(next(v for v in values if v.startswith("rollcall:")))
    if broadcast.kind == "approval_request":
        about = next((v for v in values if v.startswith("sheet:")), "")
        if about:
            sheet = db.session.scalar(
                select(FactSheet).where(FactSheet.public_id == about.split(":", 1)[1])
            )
            return _reviewed_outcome(sheet) if sheet else Outcome("This set is gone")
    return None


def closed_blocks(broadcast: Broadcast, outcome: Outcome) -> tuple[str, list[dict]]:
    """The edited message, laid out as the Slack channel lays out a post: its subject,
    what became of it, and its links (no deciding buttons)."""
    payload = message_payload(
        broadcast.subject, outcome.words, _closed_actions(broadcast.chat_actions or [])
    )
    return f"{broadcast.subject}: {outcome.words}", payload["blocks"]


def _closed_actions(actions: list[dict]) -> list[dict]:
    return [{**a, "value": ""} for a in actions if a.get("id") not in buttons.DECISIONS]


def _open_messages() -> list[Broadcast]:
    """Recent broadcasts with buttons and at least one Slack message posted."""
    posted = exists().where(
        Delivery.broadcast_id == Broadcast.id,
        Delivery.channel == "slack",
        Delivery.state == "sent",
    )
    found = db.session.scalars(
        select(Broadcast)
        .where(Broadcast.kind.in_(KINDS), Broadcast.created_at >= utcnow() - LOOK_BACK, posted)
        .order_by(Broadcast.id)
    ).all()
    return [b for b in found if any(a.get("value") for a in b.chat_actions or [])]


def _edit(client, delivery: Delivery, text: str, blocks: list[dict]) -> bool:
    """Edit one posted message; True when done (or nothing is left to edit)."""
    channel, _, ts = delivery.provider_message_id.partition(":")
    if not channel or not ts:
        return True  # posted without a usable id: nothing to edit
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:
        code = error_code(error)
        if code in GONE:
            log.info("Slack message %s not edited: %s", delivery.provider_message_id, code)
            return True
        raise
    return True


def update_decided_messages() -> int:
    """The periodic job: edit the Slack messages whose question is decided. Returns how
    many messages were edited; stops at a rate limit or an unreachable Slack (the rest
    wait for the next tick)."""
    if not buttons.slack_active():
        return 0
    client = None
    edited = 0
    for broadcast in _open_messages():
        outcome = outcome_of(broadcast)
        if outcome is None:
            continue
        deliveries = db.session.scalars(
            select(Delivery).where(
                Delivery.broadcast_id == broadcast.id, Delivery.channel == "slack"
            )
        ).all()
        if any(d.state in ("queued", "sending") for d in deliveries):
            continue  # its post is on its way: edit it once posted
        client = client or slack_client(current_app.config)
        text, blocks = closed_blocks(broadcast, outcome)
        try:
            for delivery in deliveries:
                if delivery.state == "sent":
                    _edit(client, delivery, text, blocks)
                    edited += 1
        except SlackApiError as error:
            log.warning("Slack edits wait for the next tick: %s", error_code(error))
            break
        except Exception:  # Slack unreachable
            log.exception("Slack edits wait for the next tick")
            break
        broadcast.chat_actions = _closed_actions(broadcast.chat_actions or [])
        db.session.commit()
    return edited
