"""Management API v1: from a fact sheet to a draft per audience, editing drafts, checks
overridden with a reason, approval and rejection."""

from __future__ import annotations

from flask import jsonify, url_for

from app.api import bp, shapes
from app.api.auth import allow, api_user
from app.api.errors import ApiError
from app.api.inputs import boolean, component_statuses, invalid, json_body, moment, strings, text
from app.api.lookup import by_public_id
from app.comms import approval, drafting
from app.comms.context import Facts
from app.comms.phases import FIELDS
from app.models import Draft, Incident
from app.status.impact import advise_sheet
from core.db import db
from core.errors import ServiceError

FACT_FIELDS = (
    "summary",
    "customer_impact",
    "workaround",
    "eta",
    "next_update_at",
    "technical_detail",
)


def _facts(value) -> Facts:
    if not isinstance(value, dict):
        raise invalid(
            '"facts" must be an object: {"summary", "customer_impact", "workaround", "eta", '
            '"next_update_at", "technical_detail"}.',
            "facts",
        )
    unknown = sorted(set(value) - set(FACT_FIELDS))
    if unknown:
        raise invalid(
            f"Unknown fact {unknown[0]!r}; facts are {', '.join(FACT_FIELDS)}.",
            f"facts.{unknown[0]}",
        )
    words = {
        name: text(value, name, "", field=f"facts.{name}")
        for name in ("summary", "customer_impact", "workaround", "technical_detail")
    }
    return Facts(
        **words,
        eta=moment(value.get("eta"), "facts.eta"),
        next_update_at=moment(value.get("next_update_at"), "facts.next_update_at"),
    )


@bp.post("/incidents/<incident_id>/drafts")
@allow("compose_updates")
def compose(incident_id: str):
    incident = by_public_id(Incident, incident_id, "incident")
    data = json_body(
        ("status", "impact", "components", "facts", "audiences"),
        required=("status", "facts", "audiences"),
    )
    components = data.get("components")
    sheet = drafting.compose(
        api_user(),
        incident,
        status=text(data, "status"),
        facts=_facts(data["facts"]),
        audiences=strings(data, "audiences"),
        impact=text(data, "impact"),
        components=None if components is None else component_statuses(components),
    )
    db.session.commit()
    response = jsonify(
        {
            "fact_sheet_id": sheet.public_id,
            "incident_id": incident.public_id,
            "status": sheet.status,
            "impact": sheet.impact,
            "impact_warning": shapes.impact_warning(advise_sheet(sheet)),
            "drafts": [shapes.draft(d) for d in sheet.drafts],
            "waiting": shapes.waiting(approval.who_must_act(sheet)),
        }
    )
    response.status_code = 201
    response.headers["Location"] = url_for("api_v1.draft", draft_id=sheet.drafts[0].public_id)
    return response


@bp.get("/drafts/<draft_id>")
@allow("view_admin")
def draft(draft_id: str):
    found = by_public_id(Draft, draft_id, "draft")
    _recheck(found)
    db.session.commit()
    return jsonify(_with_waiting(found))


def _recheck(found: Draft) -> None:
    """Times move on (a next-update time can fall into the past): the checks of an
    unpublished set run again, as the admin's fact sheet page does."""
    if found.fact_sheet.published_at is None:
        drafting.refresh_all(found.fact_sheet)


def _with_waiting(found: Draft) -> dict:
    waiting = [w for w in approval.who_must_act(found.fact_sheet) if w.draft is found]
    return {**shapes.draft(found), "waiting": shapes.waiting(waiting)}


@bp.patch("/drafts/<draft_id>")
@allow("compose_updates")
def edit(draft_id: str):
    found = by_public_id(Draft, draft_id, "draft")
    data = json_body((*FIELDS, "notify"))
    if not data:
        raise invalid(f"Nothing to change: send any of {', '.join(FIELDS)} or notify.")
    texts = {name: text(data, name) for name in FIELDS if name in data}
    notify = boolean(data, "notify")
    actor = api_user()
    if texts:
        drafting.edit_draft(actor, found, **texts)
    if notify is not None:
        drafting.set_notify(actor, found, notify)
    _recheck(found)
    db.session.commit()
    return jsonify(_with_waiting(found))


@bp.post("/drafts/<draft_id>/approve")
@allow("approve_drafts")
def approve(draft_id: str):
    found = by_public_id(Draft, draft_id, "draft")
    data = json_body(("comment", "revision"))
    try:
        approval.approve(
            api_user(), found, text(data, "comment", ""), revision=text(data, "revision")
        )
    except ServiceError as error:
        if error.field == "approver":  # nobody approves their own words
            raise ApiError(403, "self_approval", error.message, error.field) from None
        if error.field == "revision":  # edited since the approver read it
            raise ApiError(409, "draft_changed", error.message, error.field) from None
        if error.field == "findings":  # errors in the text must be fixed first
            raise ApiError(409, "draft_has_errors", error.message, error.field) from None
        raise
    db.session.commit()
    return jsonify(_with_waiting(found))


@bp.post("/drafts/<draft_id>/reject")
@allow("approve_drafts")
def reject(draft_id: str):
    found = by_public_id(Draft, draft_id, "draft")
    data = json_body(("comment",), required=("comment",))
    approval.reject(api_user(), found, text(data, "comment"))
    db.session.commit()
    return jsonify(_with_waiting(found))


@bp.post("/drafts/<draft_id>/override")
@allow("compose_updates")
def override(draft_id: str):
    found = by_public_id(Draft, draft_id, "draft")
    data = json_body(("finding", "reason"), required=("finding", "reason"))
    approval.override(api_user(), found, text(data, "finding"), text(data, "reason"))
    db.session.commit()
    return jsonify(_with_waiting(found))
