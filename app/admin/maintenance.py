"""Admin: schedule maintenance windows and post their updates."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import attempt, bp, form_errors, local_to_utc, utc_to_local_input
from app.admin.forms import (
    ActionForm,
    EditMaintenanceForm,
    MaintenanceForm,
    MaintenanceUpdateForm,
)
from app.admin.incidents import all_components
from app.auth.permissions import requires
from app.maintenance import services
from app.models import Maintenance, MaintenanceUpdate
from core.db import db

_WAITING = " Its text waits for an approver before it goes public and to customers."


@bp.get("/maintenance")
@requires("view_admin")
def maintenances():
    current = db.session.scalars(
        select(Maintenance)
        .where(Maintenance.status != "completed")
        .order_by(Maintenance.scheduled_for)
    ).all()
    past = db.session.scalars(
        select(Maintenance)
        .where(Maintenance.status == "completed")
        .order_by(Maintenance.scheduled_for.desc())
        .limit(50)
    ).all()
    return render_template("admin/maintenances.html", current=current, past=past)


def _chosen_components(components):
    wanted = set(request.form.getlist("components", type=int))
    return [c for c in components if c.id in wanted]


@bp.route("/maintenance/new", methods=["GET", "POST"])
@requires("manage_maintenance")
def schedule():
    form = MaintenanceForm()
    components = all_components()
    status = 200
    if form.validate_on_submit():
        maintenance, status = attempt(
            lambda: services.schedule_maintenance(
                current_user,
                form.name.data,
                local_to_utc(form.scheduled_for.data),
                local_to_utc(form.scheduled_until.data),
                _chosen_components(components),
                body=form.body.data,
                visibility=form.visibility.data,
                auto_transition=form.auto_transition.data,
                deliver_notifications=form.notify.data,
            )
        )
        if maintenance is not None:
            waiting = _WAITING if maintenance.awaiting_approval else ""
            flash(f"Scheduled {maintenance.name}.{waiting}", "success")
            return redirect(url_for("admin.maintenance", maintenance_id=maintenance.id))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    chosen = set(request.form.getlist("components", type=int))
    return render_template(
        "admin/maintenance_form.html", form=form, components=components, chosen=chosen
    ), status


@bp.get("/maintenance/<int:maintenance_id>")
@requires("view_admin")
def maintenance(maintenance_id: int):
    item = db.get_or_404(Maintenance, maintenance_id)
    return _page(item, MaintenanceUpdateForm(status=item.status))


def _page(item: Maintenance, form: MaintenanceUpdateForm, status: int = 200):
    edit_form = EditMaintenanceForm(obj=item)
    edit_form.scheduled_for.data = utc_to_local_input(item.scheduled_for)
    edit_form.scheduled_until.data = utc_to_local_input(item.scheduled_until)
    return render_template(
        "admin/maintenance.html",
        item=item,
        form=form,
        edit_form=edit_form,
        action_form=ActionForm(),
    ), status


@bp.post("/maintenance/<int:maintenance_id>/updates")
@requires("manage_maintenance")
def maintenance_update(maintenance_id: int):
    item = db.get_or_404(Maintenance, maintenance_id)
    form = MaintenanceUpdateForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _page(item, form, 400)
    update, status = attempt(
        lambda: services.post_maintenance_update(
            current_user,
            item,
            form.status.data,
            form.body.data,
            deliver_notifications=form.notify.data,
        )
    )
    if update is None:
        return _page(item, form, status)
    flash("Update posted." + (_WAITING if update.pending_body else ""), "success")
    return redirect(url_for("admin.maintenance", maintenance_id=item.id))


@bp.post("/maintenance/<int:maintenance_id>/updates/<int:update_id>/approve")
@requires("approve_drafts")
def approve_maintenance_update(maintenance_id: int, update_id: int):
    item = db.get_or_404(Maintenance, maintenance_id)
    update = db.get_or_404(MaintenanceUpdate, update_id)
    if update.maintenance_id != item.id:
        abort(404)
    result, status = attempt(lambda: services.approve_maintenance_update(current_user, update))
    if result is None:
        return _page(item, MaintenanceUpdateForm(formdata=None, status=item.status), status)
    flash("Approved: the text is public and the customers are told.", "success")
    return redirect(url_for("admin.maintenance", maintenance_id=item.id))


@bp.post("/maintenance/<int:maintenance_id>/edit")
@requires("manage_maintenance")
def edit_maintenance(maintenance_id: int):
    item = db.get_or_404(Maintenance, maintenance_id)
    form = EditMaintenanceForm()
    if form.validate_on_submit():
        result, status = attempt(
            lambda: services.edit_maintenance(
                current_user,
                item,
                name=form.name.data,
                scheduled_for=local_to_utc(form.scheduled_for.data),
                scheduled_until=local_to_utc(form.scheduled_until.data),
                visibility=form.visibility.data,
            )
        )
        if result is not None:
            flash("Maintenance details saved.", "success")
            return redirect(url_for("admin.maintenance", maintenance_id=item.id))
    else:
        form_errors(form)
        status = 400
    # Refused: the page again with the reason (nothing was changed).
    return _page(item, MaintenanceUpdateForm(formdata=None, status=item.status), status)


@bp.post("/maintenance/<int:maintenance_id>/delete")
@requires("delete_records")
def delete_maintenance(maintenance_id: int):
    item = db.get_or_404(Maintenance, maintenance_id)
    name = item.name
    attempt(lambda: services.delete_maintenance(current_user, item))
    flash(f"Deleted {name}.", "success")
    return redirect(url_for("admin.maintenances"))
