"""Management API: an incident's postmortem, read as the pages show it (its text and the
sections its headings make, when it was published, the incident's times, components and
timeline), with who wrote and approved it and what the checks find; and written as the
admin's form writes it (app/incidents/postmortems.py decides what goes public)."""

from __future__ import annotations

import re

from flask import jsonify

from app.api import bp, shapes
from app.api.auth import allow, api_user
from app.api.errors import ApiError
from app.api.inputs import boolean, json_body, text
from app.api.lookup import by_public_id
from app.comms.postmortem_checks import check_postmortem
from app.incidents.postmortems import approve_postmortem, save_postmortem
from app.models import Incident, User
from core.db import db
from core.errors import ServiceError

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def sections(body: str) -> list[dict]:
    """The text cut at its Markdown headings: [{"heading", "level", "text"}] in order
    ("Summary", "Contributing factors", "What we are changing" … as the author wrote
    them); text before the first heading has the heading "" and level 0."""
    found: list[dict] = []
    current = {"heading": "", "level": 0, "lines": []}
    for line in (body or "").splitlines():
        heading = _HEADING.match(line)
        if heading:
            found.append(current)
            current = {"heading": heading.group(2), "level": len(heading.group(1)), "lines": []}
        else:
            current["lines"].append(line)
    found.append(current)
    return [
        {"heading": s["heading"], "level": s["level"], "text": "\n".join(s["lines"]).strip()}
        for s in found
        if s["heading"] or "\n".join(s["lines"]).strip()
    ]


def state(incident: Incident) -> str:
    if incident.postmortem_submitted_at is not None:
        return "waiting_for_approval"
    if incident.postmortem_published_at is not None:
        return "published"
    return "draft" if incident.postmortem_body else "none"


def _email(user_id: int | None) -> str | None:
    user = db.session.get(User, user_id) if user_id else None
    return user.email if user is not None else None


def postmortem_json(incident: Incident) -> dict:
    """What the incident's page shows of the postmortem (``body``: nothing before it is
    published), and what staff see of its review (``pending_body``: the text not yet
    public, a draft or one waiting for approval)."""
    published = incident.postmortem_published_at is not None
    shown = incident.postmortem_body if published else None
    pending = incident.postmortem_pending_body or (None if published else incident.postmortem_body)
    data = shapes.incident(incident)
    checked = pending or incident.postmortem_body
    return {
        "incident_id": incident.public_id,
        "incident_name": incident.name,
        "state": state(incident),
        "body": shown,
        "sections": sections(shown or ""),
        "published_at": shapes.time(incident.postmortem_published_at),
        "public": published and incident.is_public,
        "pending_body": pending or None,
        "submitted_at": shapes.time(incident.postmortem_submitted_at),
        "author": _email(incident.postmortem_author_id),
        "approved_by": _email(incident.postmortem_approved_by_id),
        "impact": incident.impact,
        "started_at": data["started_at"],
        "resolved_at": data["resolved_at"],
        "components": [{"id": c["id"], "name": c["name"]} for c in data["components"]],
        # Oldest first, as a postmortem's timeline reads.
        "timeline": list(reversed(data["incident_updates"])),
        "findings": [
            {
                "severity": f.severity,
                "code": f.code,
                "message": f.message,
                "start": f.start,
                "end": f.end,
            }
            for f in check_postmortem(incident, checked)
        ],
    }


@bp.get("/incidents/<incident_id>/postmortem")
@allow("view_admin")
def postmortem(incident_id: str):
    incident = by_public_id(Incident, incident_id, "incident")
    return jsonify(postmortem_json(incident))


@bp.put("/incidents/<incident_id>/postmortem")
@allow("manage_incidents")
def write_postmortem(incident_id: str):
    """Save the postmortem (``publish``: make it public, or send it for approval while
    customers' texts need one), as the admin's form does; answers what GET answers."""
    incident = by_public_id(Incident, incident_id, "incident")
    data = json_body(("body", "publish"), required=("body",))
    save_postmortem(api_user(), incident, text(data, "body") or "", boolean(data, "publish", False))
    db.session.commit()
    return jsonify(postmortem_json(incident))


@bp.post("/incidents/<incident_id>/postmortem/approve")
@allow("approve_drafts")
def approve_the_postmortem(incident_id: str):
    """An approver (not its author) publishes the postmortem waiting for approval; errors
    the checks find in it refuse the approval until its text is fixed."""
    incident = by_public_id(Incident, incident_id, "incident")
    json_body(())
    try:
        approve_postmortem(api_user(), incident)
    except ServiceError as error:
        if error.field == "approver":  # nobody approves their own words
            raise ApiError(403, "self_approval", error.message, error.field) from None
        if error.field == "findings":  # errors in the text must be fixed first
            raise ApiError(409, "postmortem_has_errors", error.message, error.field) from None
        raise
    db.session.commit()
    return jsonify(postmortem_json(incident))
