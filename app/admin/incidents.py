"""Admin: declare, update, resolve, edit incidents and write their postmortems."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import attempt, bp, form_errors, local_to_utc
from app.admin.forms import (
    ActionForm,
    DeclareForm,
    EditIncidentForm,
    PostmortemForm,
    RejectPostmortemForm,
    ResolveForm,
    UpdateForm,
    update_form_for,
)
from app.auth.permissions import can, requires
from app.comms.postmortem_checks import check_postmortem
from app.incidents import postmortems, services
from app.input_bounds import page_number
from app.models import Component, Incident, IncidentUpdate, User
from app.status.effective import dependents_of
from core.db import db
from core.errors import ServiceError
from core.vocab import COMPONENT_STATUSES
from core.words import counted

PAGE_SIZE = 25
# The postmortem form's fields are named (and their ids are) "postmortem-body" and
# "postmortem-publish": the quick update's "body" is on the same page.
POSTMORTEM_PREFIX = "postmortem"


def all_components() -> list[Component]:
    return list(db.session.scalars(select(Component).order_by(Component.position, Component.name)))


def chosen_statuses(
    components: list[Component], *, require_value: bool = False
) -> dict[Component, str]:
    """Read ``component-<id>`` fields: a status, or empty for "not affected" / "as is"."""
    chosen = {}
    for component in components:
        value = request.form.get(f"component-{component.id}", "")
        if not value:
            if require_value:
                raise ServiceError(f"Choose a status for {component.name}.", "components")
            continue
        if value not in COMPONENT_STATUSES:
            raise ServiceError(f"{value!r} is not a component status.", "components")
        chosen[component] = value
    return chosen


@bp.get("/incidents")
@requires("view_admin")
def incidents():
    page = page_number()
    open_incidents = db.session.scalars(
        select(Incident).where(Incident.status != "resolved").order_by(Incident.started_at.desc())
    ).all()
    past = db.session.scalars(
        select(Incident)
        .where(Incident.status == "resolved")
        .order_by(Incident.started_at.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "admin/incidents.html",
        open_incidents=open_incidents,
        past=past[:PAGE_SIZE],
        page=page,
        has_more=len(past) > PAGE_SIZE,
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
@requires("manage_incidents")
def declare():
    form = DeclareForm()
    components = all_components()
    status = 200
    if form.validate_on_submit():

        def act():
            return services.declare_incident(
                current_user,
                form.name.data,
                form.impact.data,
                chosen_statuses(components),
                body=form.body.data,
                status=form.status.data,
                visibility=form.visibility.data,
                started_at=local_to_utc(form.started_at.data),
                deliver_notifications=form.notify.data,
            )

        incident, status = attempt(act)
        if incident is not None:
            return _declared(incident)
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template(
        "admin/declare.html",
        form=form,
        components=components,
        chosen=request.form,
        quick=services.quick_message("public"),
    ), status


def _where_it_went(incident: Incident, update: IncidentUpdate) -> str:
    """What happened to a message written in these forms (services.quick_message)."""
    if update.body:
        notified = "; customer subscribers are notified" if update.deliver_notifications else ""
        return f"The message is on the public page{notified}."
    return services.quick_message(incident.visibility).note


def _declared(incident: Incident):
    """Say where the declaration's message went; open the composer while the public
    text is still to be written (the public page lists the incident meanwhile)."""
    first = incident.updates[0] if incident.updates else None
    if first is None:
        where = (
            "It is listed on the public page with its components' status; its first "
            "update for every audience is drafted in the composer."
            if incident.is_public
            else "It shows on the internal page."
        )
    else:
        where = _where_it_went(incident, first)
    flash(f"Declared {incident.name}. {where}", "success")
    to_compose = first is None or (incident.is_public and not first.body)
    if to_compose and can(current_user, "compose_updates"):
        return redirect(url_for("admin.compose", incident_id=incident.id))
    return redirect(url_for("admin.incident", incident_id=incident.id))


@bp.get("/incidents/<int:incident_id>")
@requires("view_admin")
def incident(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    return _incident_page(incident, update_form_for(incident.status))


def _incident_page(incident: Incident, update_form: UpdateForm, status: int = 200):
    affected_ids = {link.component_id for link in incident.affected}
    dependents = [db.session.get(Component, cid) for cid in dependents_of(affected_ids)]
    edit_form = EditIncidentForm(obj=incident)
    postmortem_form = PostmortemForm(
        prefix=POSTMORTEM_PREFIX,
        body=incident.postmortem_pending_body or incident.postmortem_body,
        publish=bool(incident.postmortem_published_at or incident.postmortem_submitted_at),
    )
    author_id = incident.postmortem_author_id
    postmortem_author = db.session.get(User, author_id) if author_id else None
    # The checks the updates get, on the text the form holds (the one waiting, if any).
    postmortem_findings = check_postmortem(incident, postmortem_form.body.data or "")
    return render_template(
        "admin/incident.html",
        incident=incident,
        update_form=update_form,
        edit_form=edit_form,
        postmortem_form=postmortem_form,
        postmortem_author=postmortem_author,
        postmortem_findings=postmortem_findings,
        reject_postmortem_form=RejectPostmortemForm(),
        action_form=ActionForm(),
        components=all_components(),
        dependents=sorted(dependents, key=lambda c: c.name),
        quick=services.quick_message(incident.visibility),
    ), status


@bp.post("/incidents/<int:incident_id>/updates")
@requires("manage_incidents")
def post_update(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    form = update_form_for(incident.status)
    if not form.validate_on_submit():
        form_errors(form)
        return _incident_page(incident, form, 400)
    components = all_components()
    update, status = attempt(
        lambda: services.post_incident_update(
            current_user,
            incident,
            form.status.data,
            form.body.data,
            chosen_statuses(components),
            at=local_to_utc(form.at.data),
            deliver_notifications=form.notify.data,
        )
    )
    if update is None:
        return _incident_page(incident, form, status)
    flash(f"Update posted. {_where_it_went(incident, update)}", "success")
    return redirect(url_for("admin.incident", incident_id=incident.id))


@bp.route("/incidents/<int:incident_id>/resolve", methods=["GET", "POST"])
@requires("manage_incidents")
def resolve(incident_id: int):
    """Resolving asks, for each affected component, whether it is restored."""
    incident = db.get_or_404(Incident, incident_id)
    form = ResolveForm()
    status = 200
    if form.validate_on_submit():
        affected = [link.component for link in incident.affected]
        update, status = attempt(
            lambda: services.post_incident_update(
                current_user,
                incident,
                "resolved",
                form.body.data,
                chosen_statuses(affected, require_value=True),
                at=local_to_utc(form.at.data),
                deliver_notifications=form.notify.data,
            )
        )
        if update is not None:
            flash(f"Resolved {incident.name}. {_where_it_went(incident, update)}", "success")
            return redirect(url_for("admin.incident", incident_id=incident.id))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    # Each component's default: operational, or what another open incident still gives it.
    restore_to = {
        link.component_id: services.status_after_resolution(incident, link.component)
        for link in incident.affected
    }
    return render_template(
        "admin/resolve.html",
        incident=incident,
        form=form,
        restore_to=restore_to,
        quick=services.quick_message(incident.visibility),
    ), status


@bp.post("/incidents/<int:incident_id>/edit")
@requires("manage_incidents")
def edit_incident(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    form = EditIncidentForm()
    if form.validate_on_submit():
        result, status = attempt(
            lambda: services.edit_incident(
                current_user,
                incident,
                name=form.name.data,
                impact=form.impact.data,
                visibility=form.visibility.data,
            )
        )
        if result is not None:
            flash("Incident details saved.", "success")
            return redirect(url_for("admin.incident", incident_id=incident.id))
    else:
        form_errors(form)
        status = 400
    return _refused(incident, status)


@bp.post("/incidents/<int:incident_id>/postmortem")
@requires("manage_incidents")
def postmortem(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    form = PostmortemForm(prefix=POSTMORTEM_PREFIX)
    if form.validate_on_submit():
        result, status = attempt(
            lambda: postmortems.save_postmortem(
                current_user, incident, form.body.data or "", form.publish.data
            )
        )
        if result is not None:
            if incident.postmortem_submitted_at is not None:
                done = "Postmortem sent for approval: it goes public once an approver signs it off."
            elif form.publish.data:
                done = "Postmortem published."
            else:
                done = "Postmortem saved as draft."
            flash(done, "success")
            found = check_postmortem(incident, form.body.data or "")
            if found:
                flash(
                    f"The checks found {counted(len(found), 'thing')} to look at in the "
                    "postmortem: see them under the form.",
                    "error",
                )
            return redirect(url_for("admin.incident", incident_id=incident.id))
    else:
        form_errors(form)
        status = 400
    return _refused(incident, status)


@bp.post("/incidents/<int:incident_id>/postmortem/approve")
@requires("approve_drafts")
def approve_postmortem(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    result, status = attempt(lambda: postmortems.approve_postmortem(current_user, incident))
    if result is None:
        return _refused(incident, status)
    flash("Approved: the postmortem is public.", "success")
    return redirect(url_for("admin.incident", incident_id=incident.id))


@bp.post("/incidents/<int:incident_id>/postmortem/reject")
@requires("approve_drafts")
def reject_postmortem(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    form = RejectPostmortemForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _refused(incident, 400)
    result, status = attempt(
        lambda: postmortems.reject_postmortem(current_user, incident, form.comment.data or "")
    )
    if result is None:
        return _refused(incident, status)
    flash("Sent the postmortem back to its author; it is not public.", "success")
    return redirect(url_for("admin.incident", incident_id=incident.id))


def _refused(incident: Incident, status: int):
    """The incident page again with the flashed reason; the posted form keeps its input."""
    return _incident_page(incident, update_form_for(incident.status, formdata=None), status)


@bp.post("/incidents/<int:incident_id>/delete")
@requires("delete_records")
def delete_incident(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    name = incident.name
    attempt(lambda: services.delete_incident(current_user, incident))
    flash(f"Deleted {name}.", "success")
    return redirect(url_for("admin.incidents"))
