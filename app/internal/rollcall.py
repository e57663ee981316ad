"""The roll-call board on the internal pages, and answering for a team from the web.

The internal index and incident pages are cached bytes shared by every member of staff,
so they show the board (who answered, when and how) but carry no forms: the one-click
answer buttons, with their per-session CSRF tokens, are on a small page of their own
that is rendered for each request and never cached.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.permissions import requires
from app.comms import rollcall
from app.comms.team_status import StatusNow
from app.internal import bp
from app.models import Incident, RollCall
from core.db import db
from core.errors import ServiceError


@dataclass
class BoardView:
    incident: Incident
    board: rollcall.Board


def _incident(public_id: str) -> Incident | None:
    return db.session.scalar(select(Incident).where(Incident.public_id == public_id))


@bp.app_template_global("rollcall_view")
def rollcall_view(public_id: str) -> BoardView | None:
    """The board of one incident for the internal pages (None: not an incident)."""
    incident = _incident(public_id)
    if incident is None:
        return None
    return BoardView(incident, rollcall.board(incident))


@bp.app_template_global("rollcall_how")
def rollcall_how(call: RollCall) -> str:
    """Who answered and how, in words: the email link names nobody (it is the team's)."""
    if call.answered_via == "email":
        return "via the email link"
    if call.answered_via == "sms":
        return f"by text message from {call.answered_by}"
    if call.answered_via == "web":
        return f"by {call.answered_by} on the internal page"
    return f"by {call.answered_by} ({call.answered_via})"


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/incidents/<public_id>/rollcall")
@requires("answer_roll_call")
def rollcall_page(public_id: str):
    incident = _incident(public_id)
    if incident is None:
        abort(404)
    calls = db.session.scalars(
        select(RollCall)
        .where(RollCall.incident_id == incident.id)
        .join(RollCall.team)
        .order_by(RollCall.team_id)
    ).all()
    mine = current_user.team_id
    calls = sorted(calls, key=lambda c: (c.team_id != mine, c.team.name.lower()))
    now = StatusNow()
    return _no_store(
        make_response(
            render_template(
                "internal/rollcall.html",
                incident=incident,
                calls=calls,
                components={call.id: now.components_of(call.team, incident) for call in calls},
                board=rollcall.board(incident),
                open=incident.status != "resolved",
            )
        )
    )


@bp.post("/incidents/<public_id>/rollcall/<int:team_id>")
@requires("answer_roll_call")
def rollcall_answer(public_id: str, team_id: int):
    incident = _incident(public_id)
    if incident is None:
        abort(404)
    call = db.session.scalar(
        select(RollCall).where(RollCall.incident_id == incident.id, RollCall.team_id == team_id)
    )
    if call is None:
        abort(404)
    state = request.form.get("state", "")
    try:
        rollcall.answer(
            call, state, by=current_user.email, via="web", note=request.form.get("note", "")
        )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(f"Recorded {call.team.name} as {state}.", "success")
    return redirect(url_for("internal.rollcall_page", public_id=public_id), 303)
