"""Management API: the incidents signals suggest (vendors, alerts, what customers say),
and declaring or dismissing one. Declaring is the usual declaration with no first
message: nothing is published; the drafts wait in the workflow."""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from app.api import bp, shapes
from app.api.auth import allow, api_user
from app.api.inputs import invalid, json_body, text
from app.api.lookup import by_public_id
from app.models import Component, Incident, SuggestedIncident
from app.models.signals import SUGGESTION_STATES
from app.signals.suggestions import declare_suggestion, dismiss_suggestion
from core.db import db

DECLARED_NOTE = (
    "Declared as an internal incident; nothing has been published and the public page "
    "does not list it (its components still show the statuses the signal set). The first "
    "update is drafted for the internal audiences from the signal's facts. To tell "
    "customers, set its Visibility to public in the admin (Details on its page), then "
    "draft, approve and publish an update for customers."
)
LIST_LIMIT = 200


def suggestion_json(s: SuggestedIncident) -> dict:
    statuses = {int(cid): status for cid, status in (s.component_statuses or {}).items()}
    found = db.session.scalars(select(Component).where(Component.id.in_(statuses))).all()
    incident = db.session.get(Incident, s.incident_id) if s.incident_id else None
    return {
        "id": s.public_id,
        "origin": s.origin,
        "name": s.name,
        "impact": s.impact,
        "state": s.state,
        "components": [
            {"id": c.public_id, "name": c.name, "status": statuses[c.id]}
            for c in sorted(found, key=lambda c: (c.position, c.name))
        ],
        "facts": s.facts,
        "link": s.link,
        "created_at": shapes.time(s.created_at),
        "decided_at": shapes.time(s.decided_at),
        "decided_by": shapes._user_email(s.decided_by_id),
        "dismissed_reason": s.dismissed_reason if s.state == "dismissed" else None,
        "incident_id": incident.public_id if incident is not None else None,
    }


@bp.get("/suggested-incidents")
@allow("view_admin")
def suggested_incidents():
    state = request.args.get("state", "open")
    if state not in (*SUGGESTION_STATES, "all"):
        raise invalid(f"state must be one of {', '.join((*SUGGESTION_STATES, 'all'))}.", "state")
    query = select(SuggestedIncident)
    if state != "all":
        query = query.where(SuggestedIncident.state == state)
    rows = db.session.scalars(
        query.order_by(SuggestedIncident.created_at.desc(), SuggestedIncident.id.desc()).limit(
            LIST_LIMIT
        )
    )
    return jsonify({"suggested_incidents": [suggestion_json(s) for s in rows]})


def _suggestion(suggestion_id: str) -> SuggestedIncident:
    return by_public_id(SuggestedIncident, suggestion_id, "suggested incident")


@bp.post("/suggested-incidents/<suggestion_id>/declare")
@allow("manage_incidents")
def declare_suggested(suggestion_id: str):
    json_body(())  # nothing to send; anything sent must be an empty object
    suggestion = _suggestion(suggestion_id)
    already = suggestion.state == "declared" and suggestion.incident_id is not None
    incident = declare_suggestion(api_user(), suggestion)
    db.session.commit()
    response = jsonify(
        {
            "suggested_incident": suggestion_json(suggestion),
            "incident": shapes.incident(incident),
            "note": DECLARED_NOTE,
        }
    )
    response.status_code = 200 if already else 201
    return response


@bp.post("/suggested-incidents/<suggestion_id>/dismiss")
@allow("manage_incidents")
def dismiss_suggested(suggestion_id: str):
    data = json_body(("reason",))
    suggestion = _suggestion(suggestion_id)
    dismiss_suggestion(api_user(), suggestion, text(data, "reason", ""))
    db.session.commit()
    return jsonify(suggestion_json(suggestion))
