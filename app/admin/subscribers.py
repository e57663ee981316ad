"""Admin: subscribers, import/export, quarantine, saved groups, recipients preview."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import attempt, bp, form_errors
from app.admin.dashboard import components_by_group
from app.admin.forms import ActionForm
from app.admin.subscriber_forms import ImportForm, SavedGroupForm, SubscriberForm
from app.auth.permissions import requires
from app.input_bounds import MAX_ID, id_arg, page_number
from app.models import Component, ComponentGroup, Team
from core.db import db
from subscribers import csv_export, csv_io, groups, staff
from subscribers.models import (
    CHANNELS,
    SUBSCRIBER_STATES,
    Audience,
    SavedGroup,
    Subscriber,
)

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _audiences() -> list[Audience]:
    audiences = groups.audiences()
    db.session.commit()  # the default audiences are created on first use
    return audiences


def _audience_by_key(key: str) -> Audience | None:
    if not key:
        return None
    return db.session.scalar(select(Audience).where(Audience.key == key))


def _component_choices(form) -> None:
    form.component_ids.choices = [
        (c.id, c.name) for c in db.session.scalars(select(Component).order_by(Component.name))
    ]


def component_names(component_ids) -> list[str]:
    """The names of those components, sorted (for a page that lists a selection)."""
    if not component_ids:
        return []
    return list(
        db.session.scalars(
            select(Component.name)
            .where(Component.id.in_(list(component_ids)))
            .order_by(Component.name)
        )
    )


# Subscribers ---------------------------------------------------------------------------


@bp.get("/subscribers")
@requires("view_admin")
def subscribers():
    audiences = _audiences()
    filters = {
        "search": request.args.get("q", "").strip()[:200],
        "audience": request.args.get("audience", ""),
        "channel": request.args.get("channel", ""),
        "state": request.args.get("state", ""),
    }
    audience = _audience_by_key(filters["audience"])
    channel = filters["channel"] if filters["channel"] in CHANNELS else ""
    state = filters["state"] if filters["state"] in SUBSCRIBER_STATES else ""
    chosen = {
        "search": filters["search"],
        "audience_id": audience.id if audience else None,
        "channel": channel,
    }
    page = staff.search_subscribers(**chosen, state=state, page=page_number())
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    return render_template(
        "admin/subscribers.html",
        page=page,
        counts=staff.counts_by_state(**chosen),
        filters=filters,
        audiences=audiences,
        teams=teams,
        channels=CHANNELS,
        states=SUBSCRIBER_STATES,
        action_form=ActionForm(),
    )


@bp.route("/subscribers/new", methods=["GET", "POST"])
@requires("manage_subscribers")
def new_subscriber():
    form = SubscriberForm()
    form.audience.choices = [(a.key, a.name) for a in _audiences()]
    form.team_id.choices = [(0, "No team")] + [
        (t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))
    ]
    _component_choices(form)
    status = 200
    if form.validate_on_submit():
        team = db.session.get(Team, form.team_id.data) if form.team_id.data else None
        result, status = attempt(
            lambda: staff.add_subscriber(
                current_user,
                form.channel.data,
                form.address.data,
                form.audience.data,
                team_id=team.id if team else None,
                component_ids=form.component_ids.data,
                key_account=form.key_account.data,
                language=form.language.data,
                name=(form.name.data or "").strip(),
            )
        )
        if result is not None:
            subscriber, created = result
            if created:
                flash(
                    f"Added {subscriber.address}: active at once, and a notice that says so "
                    + (
                        "is on its way (staff manage chat destinations here; they carry "
                        "no unsubscribe link)."
                        if subscriber.channel in ("slack", "chat_webhook")
                        else "(with the unsubscribe link) is on its way."
                    ),
                    "success",
                )
            else:
                flash(f"{subscriber.address} was already subscribed; updated it.", "success")
            return redirect(url_for("admin.subscriber", subscriber_id=subscriber.id))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template(
        "admin/subscriber_form.html", form=form, groups=components_by_group()
    ), status


@bp.get("/subscribers/<int:subscriber_id>")
@requires("view_admin")
def subscriber(subscriber_id: int):
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    component_ids = [s.component_id for s in subscriber.selections if s.component_id]
    group_ids = [s.group_id for s in subscriber.selections if s.group_id]
    group_names = (
        list(
            db.session.scalars(
                select(ComponentGroup.name)
                .where(ComponentGroup.id.in_(group_ids))
                .order_by(ComponentGroup.name)
            )
        )
        if group_ids
        else []
    )
    return render_template(
        "admin/subscriber.html",
        subscriber=subscriber,
        team=db.session.get(Team, subscriber.team_id) if subscriber.team_id else None,
        component_names=component_names(component_ids),
        group_names=group_names,
        deliveries=staff.deliveries_to(subscriber, page_number()),
        action_form=ActionForm(),
    )


@bp.post("/subscribers/<int:subscriber_id>/release")
@requires("manage_subscribers")
def release_subscriber(subscriber_id: int):
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    result, _ = attempt(lambda: staff.release_subscriber(current_user, subscriber))
    if result is not None:
        flash(f"Released {subscriber.address}: it receives messages again.", "success")
    return redirect(url_for("admin.subscriber", subscriber_id=subscriber_id))


@bp.route("/subscribers/import", methods=["GET", "POST"])
@requires("manage_subscribers")
def import_subscribers():
    form = ImportForm()
    report, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        dry_run = request.form.get("action") != "import"
        data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
        if not upload:
            flash("Choose a CSV file to check or import.", "error")
            status = 400
        elif len(data) > MAX_IMPORT_BYTES:
            flash("The file is larger than 5 MB; split it into smaller files.", "error")
            status = 400
        else:
            report = csv_io.import_rows(data, dry_run, actor=current_user)
            db.session.commit()
            if report.errors:
                status = 400
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template(
        "admin/subscribers_import.html",
        form=form,
        report=report,
        columns=csv_io.REQUIRED_COLUMNS,
        optional=csv_io.OPTIONAL_COLUMNS,
        audiences=_audiences(),
    ), status


@bp.get("/subscribers/export")
@requires("manage_subscribers")
def export_subscribers():
    states = [s for s in request.args.getlist("state") if s in SUBSCRIBER_STATES]
    text = csv_export.export_rows(states or None)
    filename = f"subscribers-{date.today().isoformat()}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# Saved groups --------------------------------------------------------------------------


@bp.get("/subscriber-groups")
@requires("view_admin")
def saved_groups():
    audiences = _audiences()
    rows = [
        (g, component_names(g.component_ids), groups.group_counts(g.audience, g.component_ids))
        for g in groups.all_groups()
    ]
    return render_template(
        "admin/saved_groups.html",
        rows=rows,
        audiences=audiences,
        components=components_by_group(),
        channels=CHANNELS,
        action_form=ActionForm(),
    )


def _saved_group_form(group: SavedGroup | None):
    form = SavedGroupForm(obj=group)
    form.audience.choices = [(a.key, a.name) for a in _audiences()]
    _component_choices(form)
    if group is not None and request.method == "GET":
        form.audience.data = group.audience.key
        form.component_ids.data = list(group.component_ids or [])
    status = 200
    if form.validate_on_submit():
        audience = _audience_by_key(form.audience.data)

        def save() -> SavedGroup:
            if group is None:
                return groups.create_group(
                    current_user, form.name.data, audience, form.component_ids.data
                )
            return groups.update_group(
                current_user, group, form.name.data, audience, form.component_ids.data
            )

        saved, status = attempt(save)
        if saved is not None:
            flash(f"Saved the group {saved.name}.", "success")
            return redirect(url_for("admin.saved_groups"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template(
        "admin/saved_group_form.html",
        form=form,
        group=group,
        groups=components_by_group(),
        action_form=ActionForm(),
    ), status


@bp.route("/subscriber-groups/new", methods=["GET", "POST"])
@requires("manage_subscribers")
def new_saved_group():
    return _saved_group_form(None)


@bp.route("/subscriber-groups/<int:saved_group_id>", methods=["GET", "POST"])
@requires("manage_subscribers")
def edit_saved_group(saved_group_id: int):
    return _saved_group_form(db.get_or_404(SavedGroup, saved_group_id))


@bp.post("/subscriber-groups/<int:saved_group_id>/delete")
@requires("manage_subscribers")
def delete_saved_group(saved_group_id: int):
    group = db.get_or_404(SavedGroup, saved_group_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = group.name
    _, status = attempt(lambda: groups.delete_group(current_user, group))
    if status == 200:
        flash(f"Deleted the group {name}. Nobody was unsubscribed.", "success")
    return redirect(url_for("admin.saved_groups"))


@bp.get("/subscriber-groups/preview")
@requires("view_admin")
def recipients_preview():
    """Who would receive a message for an audience about some components (or a saved
    group's selection)."""
    audiences = _audiences()
    group = None
    group_id = request.args.get("group", type=int)
    if group_id:
        if not 0 < group_id <= MAX_ID:
            abort(404)  # no group has that id, and no database driver would take it
        group = db.get_or_404(SavedGroup, group_id)
        audience, component_ids = group.audience, list(group.component_ids or [])
    else:
        audience = _audience_by_key(request.args.get("audience", ""))
        component_ids = sorted(set(request.args.getlist("components", type=id_arg)))
    preview = groups.recipients_preview(audience, component_ids) if audience else None
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    return render_template(
        "admin/recipients_preview.html",
        group=group,
        audience=audience,
        audiences=audiences,
        component_ids=component_ids,
        component_names=component_names(component_ids),
        components=components_by_group(),
        preview=preview,
        teams=teams,
        channels=CHANNELS,
    )
