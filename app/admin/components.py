"""Admin: component groups, components, dependencies and status changes."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from app.admin import attempt, bp, form_errors
from app.admin.dashboard import components_by_group, dashboard
from app.admin.forms import ActionForm, ComponentForm, DependencyForm, GroupForm, StatusForm
from app.auth.permissions import can, requires
from app.models import (
    Alert,
    Component,
    ComponentDependency,
    ComponentGroup,
    Integration,
    Team,
    VendorSource,
)
from app.reports.sla_terms import plain_number as _plain
from app.reports.sla_terms import tier_lines
from app.signals.claims import all_claims, claims_on
from app.status import components as service
from app.status.entries import format_time
from app.timeutil import page_zone
from core.db import db
from core.vocab import STATUS_LABELS


def _component_choices(form: ComponentForm) -> None:
    groups = db.session.scalars(select(ComponentGroup).order_by(ComponentGroup.position)).all()
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    form.group_id.choices = [(0, "No group")] + [(g.id, g.name) for g in groups]
    form.team_id.choices = [(0, "No owner")] + [(t.id, t.name) for t in teams]


def _component_values(form: ComponentForm) -> dict:
    return {
        "name": form.name.data,
        "description": (form.description.data or "").strip(),
        "group_id": form.group_id.data or None,
        "position": form.position.data,
        "visibility": form.visibility.data,
        "tier": form.tier.data,
        "team_id": form.team_id.data or None,
        "showcase": form.showcase.data,
        "only_show_if_degraded": form.only_show_if_degraded.data,
        "start_date": form.start_date.data,
        # Text as typed: checked (and turned into numbers) by the service.
        "sla_percent": (form.sla_percent.data or "").strip() or None,
        "credit_tiers": form.credit_tiers.data or "",
    }


@bp.get("/components")
@requires("view_admin")
def components():
    return render_template(
        "admin/components.html",
        groups=components_by_group(),
        action_form=ActionForm(),
        status_form=StatusForm(),
    )


@bp.route("/components/new", methods=["GET", "POST"])
@requires("manage_components")
def new_component():
    form = ComponentForm()
    _component_choices(form)
    status = 200
    if form.validate_on_submit():
        values = _component_values(form)
        component, status = attempt(
            lambda: service.create_component(current_user, values.pop("name"), **values)
        )
        if component is not None:
            flash(f"Created {component.name}.", "success")
            return redirect(url_for("admin.edit_component", component_id=component.id))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template("admin/component_form.html", form=form, component=None), status


@bp.route("/components/<int:component_id>", methods=["GET", "POST"])
@requires("manage_components")
def edit_component(component_id: int):
    component = db.get_or_404(Component, component_id)
    form = ComponentForm(obj=component)
    _component_choices(form)
    if request.method == "GET":
        form.group_id.data = component.group_id or 0
        form.team_id.data = component.team_id or 0
        form.sla_percent.data = (
            "" if component.sla_percent is None else _plain(component.sla_percent)
        )
        form.credit_tiers.data = tier_lines(component.credit_tiers)
    status = 200
    if form.validate_on_submit():
        values = _component_values(form)
        if values["position"] is None:
            values.pop("position")
        result, status = attempt(
            lambda: service.update_component(current_user, component, **values)
        )
        if result is not None:
            flash(f"Saved {component.name}.", "success")
            return redirect(url_for("admin.edit_component", component_id=component.id))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return _component_page(component, form, status)


def _component_page(component: Component, form: ComponentForm, status: int = 200):
    dependency_form = DependencyForm()
    taken = {d.depends_on_id for d in component.dependencies} | {component.id}
    dependency_form.depends_on_id.choices = [
        (c.id, c.name)
        for c in db.session.scalars(select(Component).order_by(Component.name))
        if c.id not in taken
    ]
    return render_template(
        "admin/component_form.html",
        form=form,
        component=component,
        dependency_form=dependency_form,
        action_form=ActionForm(),
    ), status


@bp.post("/components/<int:component_id>/delete")
@requires("manage_components")
def delete_component(component_id: int):
    component = db.get_or_404(Component, component_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = component.name
    _, status = attempt(lambda: service.delete_component(current_user, component))
    if status == 200:
        flash(f"Deleted {name}.", "success")
    return redirect(url_for("admin.components"))


@bp.post("/components/<int:component_id>/status")
@requires("set_status")
def set_status(component_id: int):
    component = db.get_or_404(Component, component_id)
    form = StatusForm()
    if not form.validate_on_submit():
        form_errors(form)
        return dashboard(), 400
    changed, _ = attempt(
        lambda: service.set_component_status(current_user, component, form.status.data)
    )
    if changed:
        flash(_status_set_note(component, form.status.data), "success")
    return redirect(url_for("admin.dashboard"))


def _status_set_note(component: Component, status: str) -> Markup:
    """What setting a status said. Over a signal's claim it also says that the hand-set
    status now wins and how to undo that: otherwise staff wonder why the alert no longer
    moves the component."""
    note = escape(f"{component.name} is now {STATUS_LABELS[status].lower()}")
    claims = claims_on(component.id) if component.signal_held else []
    if not claims:
        return note + "."
    worst = claims[0]
    if can(current_user, "manage_components"):
        page = url_for("admin.edit_component", component_id=component.id) + "#signals"
        where = Markup('<a href="{}">the component\'s page</a>').format(page)
    else:
        where = Markup("the dashboard")
    return note + Markup(
        ", set by hand over {reason} ({status}); it stays so until you press Follow "
        "signals again on {where}."
    ).format(
        reason=worst.reason or source_name(worst.source),
        status=STATUS_LABELS[component.signal_status].lower(),
        where=where,
    )


@bp.post("/components/<int:component_id>/dependencies")
@requires("manage_components")
def add_dependency(component_id: int):
    component = db.get_or_404(Component, component_id)
    form = DependencyForm()
    form.depends_on_id.choices = [(c.id, c.name) for c in db.session.scalars(select(Component))]
    if form.validate_on_submit():
        depends_on = db.get_or_404(Component, form.depends_on_id.data)
        result, status = attempt(
            lambda: service.add_dependency(current_user, component, depends_on, form.kind.data)
        )
        if result is not None:
            flash(f"{component.name} now depends on {depends_on.name}.", "success")
            return redirect(url_for("admin.edit_component", component_id=component.id))
    else:
        form_errors(form)
        status = 400
    # Refused (a cycle, a duplicate …): the component's page again, with the reason.
    details = ComponentForm(formdata=None, obj=component)
    _component_choices(details)
    details.group_id.data = component.group_id or 0
    details.team_id.data = component.team_id or 0
    return _component_page(component, details, status)


@bp.post("/dependencies/<int:dependency_id>/delete")
@requires("manage_components")
def remove_dependency(dependency_id: int):
    dependency = db.get_or_404(ComponentDependency, dependency_id)
    component_id = dependency.component_id
    if not ActionForm().validate_on_submit():
        abort(400)
    attempt(lambda: service.remove_dependency(current_user, dependency))
    flash("Dependency removed.", "success")
    return redirect(url_for("admin.edit_component", component_id=component_id))


@bp.route("/groups/new", methods=["GET", "POST"])
@requires("manage_components")
def new_group():
    form = GroupForm()
    status = 200
    if form.validate_on_submit():
        group, status = attempt(
            lambda: service.create_group(
                current_user, form.name.data, form.description.data or "", form.position.data
            )
        )
        if group is not None:
            flash(f"Created group {group.name}.", "success")
            return redirect(url_for("admin.components"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template("admin/group_form.html", form=form, group=None), status


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@requires("manage_components")
def edit_group(group_id: int):
    group = db.get_or_404(ComponentGroup, group_id)
    form = GroupForm(obj=group)
    status = 200
    if form.validate_on_submit():
        values = {"name": form.name.data, "description": (form.description.data or "").strip()}
        if form.position.data is not None:
            values["position"] = form.position.data
        result, status = attempt(lambda: service.update_group(current_user, group, **values))
        if result is not None:
            flash(f"Saved group {group.name}.", "success")
            return redirect(url_for("admin.components"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template(
        "admin/group_form.html", form=form, group=group, action_form=ActionForm()
    ), status


@bp.post("/groups/<int:group_id>/delete")
@requires("manage_components")
def delete_group(group_id: int):
    group = db.get_or_404(ComponentGroup, group_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = group.name
    attempt(lambda: service.delete_group(current_user, group))
    flash(f"Deleted group {name}; its components are now ungrouped.", "success")
    return redirect(url_for("admin.components"))


@bp.app_template_global("signal_claims")
def signal_claims(component_id: int):
    """The component's present claims by vendors and alerts, worst first. A page that
    lists every component reads them all once per request."""
    if "signal_claims" not in g:
        g.signal_claims = all_claims()
    return g.signal_claims.get(component_id, [])


@bp.app_template_global("signal_stale")
def signal_stale(source: str) -> str:
    """For a claim of a vendor source that has gone stale: since when its statuses are
    kept as last read (found by a new user: a stale vendor's outage looked live
    everywhere but on the source's own page). Empty otherwise."""
    kind, _, ident = source.partition(":")
    if kind != "vendor" or not ident.isdigit():
        return ""
    vendor = db.session.get(VendorSource, int(ident))
    if vendor is None or vendor.poll_state != "stale":
        return ""
    since = vendor.last_success_at
    read = f"last read {format_time(since, page_zone())}" if since else "never read"
    return f"{vendor.name} is not answering: {read}, kept as then"


@bp.app_template_global("held_by_hand")
def held_by_hand(component_id: int) -> str:
    """The status the signals claim for a component whose status staff hold by hand
    (empty when they do not): the internal page says so next to the hand-set status."""
    component = db.session.get(Component, component_id)
    if component is None or not component.signal_held:
        return ""
    return component.signal_status


@bp.app_template_global("signal_source_name")
def source_name(source: str) -> str:
    """A claim's source as staff know it: the vendor's or integration's name rather than
    ``vendor:3`` or ``alert:2``."""
    kind, _, ident = source.partition(":")
    if not ident.isdigit():
        return source
    if kind == "vendor":
        vendor = db.session.get(VendorSource, int(ident))
        return f"Vendor: {vendor.name}" if vendor else source
    alert = db.session.get(Alert, int(ident)) if kind == "alert" else None
    if alert is None:
        return source
    sender = db.session.get(Integration, alert.integration_id)
    return f"Alert {alert.name} from {sender.name}" if sender else f"Alert {alert.name}"


@bp.post("/components/<int:component_id>/follow-signals")
@requires("set_status")
def follow_component_signals(component_id: int):
    """Hand a component whose status staff set by hand back to its signals."""
    component = db.get_or_404(Component, component_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    held = component.signal_held
    attempt(lambda: service.follow_signals(current_user, component))
    flash(
        f"{component.name} follows its signals again."
        if held
        else f"{component.name} already follows its signals.",
        "success",
    )
    # Back where it was pressed (found by a new user: the dashboard's button left it).
    if request.form.get("back") == "dashboard" or not can(current_user, "manage_components"):
        return redirect(url_for("admin.dashboard"))
    return redirect(url_for("admin.edit_component", component_id=component.id) + "#signals")
