"""The modals' submissions: declare an incident, draft an update, reject a draft with
a comment. Answered synchronously (Slack shows problems under the fields they are about
with response_action "errors"), through the same services as the web."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.auth.permissions import can
from app.comms import approval, continuity, drafting
from app.comms.context import Facts
from app.incidents.services import declare_incident
from app.models import Component, Draft, Incident, User, utcnow
from app.slack import modals
from app.slack.busy import Busy, short_locks
from app.slack.identity import NoAccount, staff_user
from app.slack.later import after_response
from app.slack.replies import client, mark_message, stamp
from core.db import db
from core.errors import ServiceError
from core.words import counted

MAX_NEXT_MINUTES = 24 * 60


class Invalid(Exception):
    """A problem to show under one field of the modal."""

    def __init__(self, block: str, message: str):
        super().__init__(message)
        self.block, self.message = block, message


def errors(block: str, message: str) -> dict:
    return {"response_action": "errors", "errors": {block: message[:2000]}}


def submit(payload: dict) -> dict | None:
    """The answer to a view_submission: errors, an updated view, or None (close)."""
    view = payload.get("view") or {}
    handler = HANDLERS.get(view.get("callback_id"))
    if handler is None:
        return None
    first = FIRST_BLOCK[view.get("callback_id")]
    try:
        with short_locks():
            user = staff_user(client(in_request=True), (payload.get("user") or {}).get("id", ""))
            answer = handler(user, modals.values(view), modals.metadata(view))
            db.session.commit()
            return answer
    except (NoAccount, Busy) as refusal:
        db.session.rollback()
        return errors(first, str(refusal))
    except Invalid as problem:
        db.session.rollback()
        return errors(problem.block, problem.message)


def _field(error: ServiceError, blocks: dict[str, str], default: str) -> Invalid:
    return Invalid(blocks.get(error.field or "", default), error.message)


def _declare(user: User, values: dict, metadata: dict) -> dict:
    if not can(user, "manage_incidents"):
        raise Invalid("name", f"Your Herald role ({user.role}) cannot declare incidents.")
    chosen = [v for v in values.get("components") or [] if isinstance(v, str)]
    status = values.get("component_status") or "degraded_performance"
    components = {}
    if chosen:
        found = db.session.scalars(select(Component).where(Component.public_id.in_(chosen)))
        components = dict.fromkeys(found, status)
    try:
        incident = declare_incident(
            user,
            str(values.get("name") or ""),
            str(values.get("impact") or ""),
            components,
            visibility=str(values.get("visibility") or "public"),
        )
    except ServiceError as error:
        block = "components" if "components" in values else "name"
        raise _field(
            error,
            {"name": "name", "impact": "impact", "visibility": "visibility", "components": block},
            "name",
        ) from None
    url = f"{current_app.config['PUBLIC_URL']}/admin/incidents/{incident.id}"
    return {
        "response_action": "update",
        "view": modals.done_view(
            "Incident declared",
            f"Declared *{modals.escape(incident.name)}* ({incident.impact} impact, "
            f"{incident.visibility}). <{url}|Open it in Herald>; the first update is drafted "
            "there or with `/herald update`.",
        ),
    }


def _next_update(raw) -> object:
    text = str(raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_NEXT_MINUTES:
        raise Invalid("next_update", f"A number of minutes from 1 to {MAX_NEXT_MINUTES}.")
    return utcnow() + timedelta(minutes=int(text))


def _update(user: User, values: dict, metadata: dict) -> dict:
    if not can(user, "compose_updates"):
        raise Invalid("summary", f"Your Herald role ({user.role}) cannot draft updates.")
    public_id = str(metadata.get("incident") or "")
    incident = db.session.scalar(select(Incident).where(Incident.public_id == public_id))
    if incident is None:
        raise Invalid("summary", "That incident no longer exists.")
    carried = continuity.carried_facts(incident) or Facts()
    facts = Facts(
        summary=str(values.get("summary") or ""),
        customer_impact=carried.customer_impact,
        workaround=carried.workaround,
        eta=carried.eta,
        next_update_at=_next_update(values.get("next_update")),
        technical_detail=carried.technical_detail,
    )
    try:
        sheet = drafting.compose(
            user,
            incident,
            status=str(values.get("status") or ""),
            facts=facts,
            audiences=list(drafting.allowed_audiences(incident)),
        )
    except ServiceError as error:
        raise _field(error, {"status": "status", "summary": "summary"}, "summary") from None
    url = f"{current_app.config['PUBLIC_URL']}/admin/fact-sheets/{sheet.public_id}"
    waiting = sum(d.needs_approval for d in sheet.drafts)
    return {
        "response_action": "update",
        "view": modals.done_view(
            "Update drafted",
            f"Drafted the {sheet.status} update of *{modals.escape(incident.name)}* for "
            f"{counted(len(sheet.drafts), 'audience')}"
            + (f"; {waiting} wait for an approver" if waiting else "")
            + f". <{url}|Check the drafts in Herald>.",
        ),
    }


def _reject(user: User, values: dict, metadata: dict) -> None:
    if not can(user, "approve_drafts"):
        raise Invalid("comment", f"Your Herald role ({user.role}) cannot reject drafts.")
    public_id = str(metadata.get("draft") or "")
    draft = db.session.scalar(select(Draft).where(Draft.public_id == public_id))
    if draft is None:
        raise Invalid("comment", "That draft no longer exists.")
    comment = str(values.get("comment") or "")
    try:
        approval.reject(user, draft, comment)
    except ServiceError as error:
        raise Invalid("comment", error.message) from None
    line = (
        f":x: The {draft.audience_key} draft was rejected by "
        f"{modals.escape(user.display_name)} at {stamp()}: {modals.escape(comment.strip())}"
    )
    after_response(
        mark_message,
        str(metadata.get("channel") or ""),
        str(metadata.get("ts") or ""),
        [],
        str(metadata.get("text") or ""),
        line,
    )
    return None


HANDLERS = {modals.DECLARE: _declare, modals.UPDATE: _update, modals.REJECT: _reject}
FIRST_BLOCK = {modals.DECLARE: "name", modals.UPDATE: "summary", modals.REJECT: "comment"}
