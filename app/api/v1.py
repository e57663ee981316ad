"""Management API v1: components, incidents, publishing, the communication log and
delivery progress. (Drafting and approval are in app/api/drafts.py.)"""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from sqlalchemy import select

from app.api import bp, shapes
from app.api.auth import allow, api_user
from app.api.errors import ApiError
from app.api.inputs import boolean, component_statuses, invalid, json_body, moment, strings, text
from app.api.lookup import by_public_id
from app.auth.permissions import can
from app.comms import log, publishing
from app.incidents.services import declare_incident, quick_message
from app.models import Component, FactSheet, Incident
from app.notifier.reach import reach_of
from app.status.components import set_component_status, update_component
from core.db import db
from core.errors import ServiceError
from subscribers.models import Broadcast

MAX_IDEMPOTENCY_KEY = 200


# Components ------------------------------------------------------------------------------


SLA_FIELDS = ("sla_percent", "credit_tiers")


@bp.patch("/components/<component_id>")
@allow("set_status")
def set_status(component_id: str):
    """The status (responders and up); the SLA and credit tiers need the
    ``manage_components`` permission, as on the admin's component form."""
    component = by_public_id(Component, component_id, "component")
    data = json_body(("status", *SLA_FIELDS))
    if not data:
        raise invalid(
            "'status' is required (or sla_percent and credit_tiers to change the SLA).",
            "status",
        )
    user = api_user()
    sla = {name: data[name] for name in SLA_FIELDS if name in data}
    if sla:
        if not can(user, "manage_components"):
            raise ApiError(
                403,
                "forbidden",
                f"Your role ({user.role}) does not allow this: changing the SLA needs the "
                "manage_components permission.",
            )
        if "credit_tiers" in sla and not isinstance(sla["credit_tiers"], list | type(None)):
            raise invalid(
                'credit_tiers must be a list like [{"below": 99.9, "credit": 10}].',
                "credit_tiers",
            )
        update_component(user, component, **sla)
    if "status" in data:
        set_component_status(user, component, text(data, "status"), note="API")
    db.session.commit()
    return jsonify(shapes.component(component))


# Incidents -------------------------------------------------------------------------------

DECLARE_FIELDS = (
    "name",
    "impact",
    "components",
    "visibility",
    "status",
    "started_at",
    "body",
    "deliver_notifications",
)


@bp.post("/incidents")
@allow("manage_incidents")
def declare():
    data = json_body(DECLARE_FIELDS, required=("name", "impact"))
    components = component_statuses(data.get("components") or {})
    incident = declare_incident(
        api_user(),
        text(data, "name"),
        text(data, "impact"),
        components,
        body=text(data, "body", ""),
        status=text(data, "status", "investigating"),
        visibility=text(data, "visibility", "public"),
        started_at=moment(data.get("started_at"), "started_at"),
        deliver_notifications=boolean(data, "deliver_notifications", True),
    )
    db.session.commit()
    response = jsonify({**shapes.incident(incident), **_body_outcome(incident)})
    response.status_code = 201
    response.headers["Location"] = url_for("api_v1.incident", incident_id=incident.public_id)
    return response


BODY_NOTES = {
    "public": "The body is the public text: the public page shows it and customer "
    "subscribers are notified (when deliver_notifications is true).",
    "needs_approval": "Customers need approval: the body is the update's internal text "
    "(the internal page shows it; nobody outside is notified). Draft the public text with "
    "POST /api/v1/incidents/{id}/drafts.",
    "internal_incident": "The incident is internal: the body is the update's internal text.",
}


def _body_outcome(incident: Incident) -> dict:
    """Where the declaration's ``body`` went (services.quick_message decides)."""
    if not incident.updates:
        return {"body_visibility": None, "body_note": None}
    public = bool(incident.updates[0].body)
    reason = "public" if public else quick_message(incident.visibility).reason
    if reason == "public" and not public:  # the audience was changed in between
        reason = "needs_approval"
    return {
        "body_visibility": "public" if public else "internal",
        "body_note": BODY_NOTES[reason].replace("{id}", incident.public_id),
    }


@bp.get("/incidents/<incident_id>")
@allow("view_admin")
def incident(incident_id: str):
    return jsonify(shapes.incident(by_public_id(Incident, incident_id, "incident")))


# Publishing ------------------------------------------------------------------------------


def _notify_switches(data: dict) -> dict[str, bool] | None:
    notify = data.get("notify")
    if notify is None:
        return None
    if not isinstance(notify, dict) or not all(
        isinstance(k, str) and isinstance(v, bool) for k, v in notify.items()
    ):
        raise invalid('"notify" must map audiences to true or false: {"press": false}.', "notify")
    return notify


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise invalid(
            f"An Idempotency-Key can be at most {MAX_IDEMPOTENCY_KEY} characters.",
            "Idempotency-Key",
        )
    return key or None


def _sheet_to_publish(incident: Incident, sheet_id: str | None, key: str | None) -> FactSheet:
    """The named fact sheet; else the one this Idempotency-Key already published; else the
    incident's newest unpublished set."""
    if sheet_id is not None:
        if not isinstance(sheet_id, str):
            raise invalid('"fact_sheet_id" must be a string.', "fact_sheet_id")
        return by_public_id(FactSheet, sheet_id, "fact sheet", incident_id=incident.id)
    earlier = publishing.published_with(key)
    if earlier is not None:
        if earlier.incident_id != incident.id:
            raise ApiError(
                409,
                "conflict",
                "That Idempotency-Key was already used for another incident's update.",
                "Idempotency-Key",
            )
        return earlier
    sheets = db.session.scalars(
        select(FactSheet)
        .where(FactSheet.incident_id == incident.id, FactSheet.published_at.is_(None))
        .order_by(FactSheet.created_at.desc(), FactSheet.id.desc())
    )
    for sheet in sheets:
        if any(d.state != "discarded" for d in sheet.drafts):
            return sheet
    raise ApiError(
        409,
        "nothing_to_publish",
        "This incident has no unpublished drafts: draft an update first "
        "(POST /api/v1/incidents/{id}/drafts).",
        "fact_sheet_id",
    )


@bp.post("/incidents/<incident_id>/publish")
@allow("publish_updates")
def publish(incident_id: str):
    incident = by_public_id(Incident, incident_id, "incident")
    data = json_body(("fact_sheet_id", "audiences", "notify"))
    key = _idempotency_key()
    audiences = strings(data, "audiences")
    notify = _notify_switches(data)
    sheet = _sheet_to_publish(incident, data.get("fact_sheet_id"), key)
    # The figures the admin asks to confirm, counted before anything is written.
    reach = {r.draft.id: r for r in reach_of(sheet, notify)}
    try:
        result = publishing.publish_set(
            api_user(), sheet, audiences=audiences, notify=notify, idempotency_key=key
        )
    except ServiceError as error:
        if error.field == "drafts":  # drafts waiting for approval, fixes or overrides
            raise ApiError(409, "not_ready", error.message, error.field) from None
        if error.field == "idempotency_key":
            raise ApiError(409, "conflict", error.message, "Idempotency-Key") from None
        raise
    db.session.commit()
    body = {
        "incident_id": incident.public_id,
        "fact_sheet_id": result.sheet.public_id,
        "update": shapes.incident_update(result.update),
        "broadcasts": [
            {**shapes.broadcast(b), "draft_id": d.public_id} for d, b in result.sent if b
        ]
        + [
            {**shapes.broadcast(b), "draft_id": d.public_id, "team": team}
            for d, team, b in result.to_teams
        ],
        "drafts": [
            {
                "id": d.public_id,
                "audience": d.audience_key,
                "state": d.state,
                "notified": result.notified(d),
                "reach": reach[d.id].channels if result.notified(d) and d.id in reach else {},
                "people": reach[d.id].people if result.notified(d) and d.id in reach else 0,
            }
            for d, _ in result.sent
        ],
    }
    # Resolving, Herald's own notice to each team counts too (no draft of its own).
    notices = [r for r in reach.values() if r.draft.id is None] if not result.repeated else []
    body["reach"] = sum(sum(item["reach"].values()) for item in body["drafts"]) + sum(
        r.total for r in notices
    )
    body["people"] = sum(item["people"] for item in body["drafts"]) + sum(r.people for r in notices)
    return jsonify(body), 200 if result.repeated else 201


# The communication log and delivery progress ---------------------------------------------


@bp.get("/incidents/<incident_id>/communications")
@allow("view_admin")
def communications(incident_id: str):
    incident = by_public_id(Incident, incident_id, "incident")
    form = request.args.get("format", "json")
    if form == "csv":
        return Response(
            log.as_csv(incident),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{incident.public_id}-log.csv"'},
        )
    if form == "markdown":
        return Response(log.as_markdown(incident), mimetype="text/markdown")
    if form != "json":
        raise invalid("format must be json, csv or markdown.", "format")
    return jsonify(shapes.communication_log(incident))


@bp.get("/broadcasts/<broadcast_id>")
@allow("view_admin")
def broadcast(broadcast_id: str):
    number = int(broadcast_id) if broadcast_id.isdigit() and len(broadcast_id) < 10 else None
    found = db.session.get(Broadcast, number) if number else None
    if found is None:
        raise ApiError(404, "not_found", f"No broadcast with id {broadcast_id!r}.")
    return jsonify(shapes.broadcast_progress(found))
