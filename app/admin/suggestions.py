"""Admin: the dashboard's suggested incidents (what vendors, alerts and customers'
mentions propose) and the two buttons on each. Declaring is one click: the usual
declaration, as an internal incident, with the signal's name, impact, components and
facts, and nothing published; the communications workflow carries it from there."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.admin import attempt, bp, form_errors
from app.admin.dashboard import dashboard
from app.admin.forms import ActionForm
from app.auth.permissions import requires
from app.models import Component, Incident, SuggestedIncident, User
from app.signals.suggestions import (
    DECLARED_NOTE,
    MAX_REASON,
    declare_suggestion,
    dismiss_suggestion,
)
from app.timeutil import human_duration
from core.db import db
from core.time import utcnow
from core.vocab import STATUS_LABELS


class DismissForm(FlaskForm):
    reason = StringField("Why dismiss it", validators=[Optional(), Length(max=MAX_REASON)])


def open_suggestions() -> list[dict]:
    """The open suggestions, newest first, with their components' names and the statuses
    the signals claim (for the dashboard)."""
    rows = db.session.scalars(
        select(SuggestedIncident)
        .where(SuggestedIncident.state == "open")
        .order_by(SuggestedIncident.created_at.desc(), SuggestedIncident.id.desc())
        .limit(50)
    ).all()
    return _items(rows)


def _items(rows: list[SuggestedIncident]) -> list[dict]:
    ids = {int(cid) for row in rows for cid in (row.component_statuses or {})}
    names = {
        c.id: c.name for c in db.session.scalars(select(Component).where(Component.id.in_(ids)))
    }
    now = utcnow()
    return [
        {
            "suggestion": row,
            "age": human_duration((now - row.created_at).total_seconds()),
            # Only a web address is a link: never javascript: or data: from a feed.
            "link": row.link if row.link.lower().startswith(("https://", "http://")) else "",
            "components": [
                (names[int(cid)], STATUS_LABELS.get(status, status))
                for cid, status in sorted((row.component_statuses or {}).items())
                if int(cid) in names
            ],
        }
        for row in rows
    ]


def _suggestion_or_404(public_id: str) -> SuggestedIncident:
    if len(public_id) > 16:
        abort(404)
    found = db.session.scalar(
        select(SuggestedIncident).where(SuggestedIncident.public_id == public_id)
    )
    if found is None:
        abort(404)
    return found


@bp.get("/suggested-incidents/<public_id>")
@requires("view_admin")
def suggestion(public_id: str):
    """One suggestion, whatever became of it: the notices link here, so a link sent while
    it was open still says what happened (found by a new user: a suggestion closed by
    itself when its signal cleared, and the emailed link pointed at nothing)."""
    found = _suggestion_or_404(public_id)
    [item] = _items([found])
    decided_by = db.session.get(User, found.decided_by_id) if found.decided_by_id else None
    return render_template(
        "admin/suggestion.html",
        item=item,
        decided_by=decided_by.display_name if decided_by else "",
        closed_by_itself=found.state == "dismissed" and found.decided_by_id is None,
        reason=found.dismissed_reason if found.state == "dismissed" else "",
        incident=db.session.get(Incident, found.incident_id) if found.incident_id else None,
        action_form=ActionForm(),
        dismiss_form=DismissForm(),
    )


@bp.post("/suggested-incidents/<public_id>/declare")
@requires("manage_incidents")
def declare_suggested(public_id: str):
    suggestion = _suggestion_or_404(public_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if suggestion.state == "declared" and suggestion.incident_id is not None:
        flash("This suggestion was declared already: here is its incident.", "info")
        return redirect(url_for("admin.incident", incident_id=suggestion.incident_id))
    incident, status = attempt(lambda: declare_suggestion(current_user, suggestion))
    if incident is None:
        return dashboard(), status
    flash(DECLARED_NOTE.format(name=incident.name), "success")
    return redirect(url_for("admin.incident", incident_id=incident.id))


@bp.post("/suggested-incidents/<public_id>/dismiss")
@requires("manage_incidents")
def dismiss_suggested(public_id: str):
    suggestion = _suggestion_or_404(public_id)
    form = DismissForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        form_errors(form)
        return dashboard(), 400
    _, status = attempt(lambda: dismiss_suggestion(current_user, suggestion, form.reason.data))
    if status != 200:
        return dashboard(), status
    flash(f"Dismissed the suggestion {suggestion.name}.", "success")
    return redirect(url_for("admin.dashboard") + "#suggested")
