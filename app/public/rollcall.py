"""Roll-call answer pages: the links in a team's roll-call email.

Team members may have no staff account: the random token in the link is what
authenticates them. A GET only shows the question and a confirm button (mail scanners
follow links and must change nothing); the POST records the answer. These pages are
personal: never cached, never indexed.
"""

from __future__ import annotations

from flask import Response, request

from app.comms import rollcall
from app.models import RollCall
from app.public import bp
from app.public.caching import personal_page
from app.status.impact import effective_impact
from core.db import db
from core.errors import NotFound, ServiceError

STATE_LABELS = {"operational": "operational", "affected": "affected"}
GONE = 410


def _problem(title: str, message: str, status: int) -> Response:
    return personal_page("public/rollcall_problem.html", status, title=title, message=message)


def _open_call(token: str, state: str) -> RollCall | Response:
    """The roll call the link names, or the page that says why it cannot be answered."""
    if state not in rollcall.ANSWERS:
        return _problem(
            "This link is not complete",
            "A roll-call link ends in /operational or /affected. Use the link from the "
            "email as it is.",
            404,
        )
    try:
        call = rollcall.by_token(token)
    except NotFound as error:
        return _problem("This link is not valid", error.message, 404)
    if call.incident.status == "resolved":
        return _problem(
            "This incident is resolved",
            f"{call.incident.name} is resolved, so no answer is needed any more.",
            GONE,
        )
    return call


@bp.route("/rollcall/<token>/<state>", methods=["GET", "POST"])
def rollcall_answer(token: str, state: str):
    found = _open_call(token, state)
    if isinstance(found, Response):
        return found
    call = found
    if request.method == "POST":
        note = request.form.get("note", "")
        try:
            rollcall.answer(call, state, by="email link", via="email", note=note)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            return _problem("Your answer was not recorded", error.message, 409)
    components = rollcall.components_of(call)
    # A team one of whose services something else holds (another incident, maintenance)
    # cannot truly say "operational": its answer says this incident does not affect them.
    # When this incident holds one, it is the plain question.
    held = any(not c.operational for c in components) and not any(
        c.by_this_incident for c in components
    )
    if request.method == "POST":
        return personal_page("public/rollcall_thanks.html", call=call, state=state, held=held)
    return personal_page(
        "public/rollcall_answer.html",
        call=call,
        state=state,
        token=token,
        components=components,
        held=held,
        impact=effective_impact(call.incident),
    )
