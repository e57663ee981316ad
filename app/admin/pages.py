"""Admin: private pages (a page of chosen components for invited outside viewers), their
viewers and their read tokens."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from app.admin import attempt, bp, form_errors
from app.admin.dashboard import components_by_group
from app.admin.forms import ActionForm
from app.auth.permissions import requires
from app.models import Component, PageViewer, PrivatePage
from app.pages import services, viewers
from core.db import db

ROW_ID = re.compile(r"[0-9]{1,12}")
# A new read token waits here, in the staff member's session, from the POST that made it
# to the one GET that shows it (post/redirect/get): a reload shows the page without it
# and never makes another.
NEW_TOKEN = "new_read_token"


class PageForm(FlaskForm):
    slug = StringField("Address (slug)", validators=[InputRequired(), Length(max=200)])
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])


class InviteForm(FlaskForm):
    email = StringField("Email address", validators=[InputRequired(), Length(max=254)])


def _page_or_404(slug: str) -> PrivatePage:
    page = services.page_by_slug(slug)
    if page is None:
        abort(404)
    return page


def _row_id(value: str) -> int | None:
    return int(value) if ROW_ID.fullmatch(value) else None


def _posted_components() -> list[str]:
    """The ticked components (their row ids) as the public ids the service takes; a value
    that names no component is passed on as it is, for the service to refuse by name."""
    ticked = request.form.getlist("components")
    ids = [i for i in map(_row_id, ticked) if i is not None]
    rows = db.session.execute(
        select(Component.id, Component.public_id).where(Component.id.in_(ids))
    ).all()
    found = dict(rows)  # a list of (id, public id) rows
    return [found.get(_row_id(v), v) for v in ticked]


@bp.get("/pages")
@requires("view_admin")
def private_pages():
    return render_template(
        "admin/pages.html",
        pages=services.pages(),
        form=PageForm(),
        groups=components_by_group(),
        selected=[],
    )


@bp.post("/pages")
@requires("manage_pages")
def create_private_page():
    form = PageForm()
    status = 400
    if form.validate_on_submit():
        values = {
            "slug": form.slug.data.strip(),
            "name": form.name.data,
            "components": _posted_components(),
        }
        page, status = attempt(lambda: services.create_page(current_user, **values))
        if page is not None:
            flash(f"Created the private page {page.name}. Invite its viewers next.", "success")
            return redirect(url_for("admin.private_page", slug=page.slug))
    else:
        form_errors(form)
    selected = [i for i in map(_row_id, request.form.getlist("components")) if i is not None]
    return render_template(
        "admin/pages.html",
        pages=services.pages(),
        form=form,
        groups=components_by_group(),
        selected=selected,
    ), status


def _render_page(page: PrivatePage, status: int = 200, token: str = "", form=None):
    return render_template(
        "admin/page.html",
        page=page,
        form=form or PageForm(obj=page),
        invite=InviteForm(),
        groups=components_by_group(),
        selected=[c.id for c in page.components],
        token=token,
    ), status


@bp.get("/pages/<slug>")
@requires("view_admin")
def private_page(slug: str):
    return _render_page(_page_or_404(slug))


@bp.post("/pages/<slug>/edit")
@requires("manage_pages")
def edit_private_page(slug: str):
    page = _page_or_404(slug)
    form = PageForm()
    form.slug.data = form.slug.data or page.slug
    if not form.validate_on_submit():
        form_errors(form)
        return _render_page(page, 400, form=form)
    values = {"name": form.name.data, "components": _posted_components()}
    if form.slug.data.strip() != page.slug:
        values["slug"] = form.slug.data.strip()
    result, status = attempt(lambda: services.edit_page(current_user, page, **values))
    if result is None:
        db.session.refresh(page)
        return _render_page(page, status, form=form)
    flash(f"Saved {page.name}.", "success")
    return redirect(url_for("admin.private_page", slug=page.slug))


@bp.post("/pages/<slug>/delete")
@requires("manage_pages")
def delete_private_page(slug: str):
    page = _page_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = page.name
    attempt(lambda: services.delete_page(current_user, page))
    flash(f"Deleted the private page {name}.", "success")
    return redirect(url_for("admin.private_pages"))


@bp.post("/pages/<slug>/viewers")
@requires("manage_pages")
def invite_page_viewer(slug: str):
    page = _page_or_404(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _render_page(page, 400)
    viewer, status = attempt(lambda: viewers.invite_viewer(current_user, page, form.email.data))
    if viewer is None:
        return _render_page(page, status)
    flash(f"Sent a sign-in link to {viewer.email}.", "success")
    return redirect(url_for("admin.private_page", slug=page.slug))


@bp.route("/pages/<slug>/viewers/<int:viewer_id>/remove", methods=["GET", "POST"])
@requires("manage_pages")
def remove_page_viewer(slug: str, viewer_id: int):
    """GET asks to confirm (saying what the viewer loses); POST removes."""
    page = _page_or_404(slug)
    viewer = db.session.get(PageViewer, viewer_id)
    if viewer is None or viewer.page_id != page.id:
        abort(404)
    if request.method == "GET":
        return render_template("admin/page_viewer_remove.html", page=page, viewer=viewer)
    if not ActionForm().validate_on_submit():
        abort(400)
    email = viewer.email
    attempt(lambda: viewers.remove_viewer(current_user, viewer))
    flash(f"Removed {email}: their session and links no longer work.", "success")
    return redirect(url_for("admin.private_page", slug=page.slug))


@bp.route("/pages/<slug>/token", methods=["GET", "POST"])
@requires("manage_pages")
def rotate_page_token(slug: str):
    """POST makes a new read token and sends the browser here by GET, which shows it
    once (only its hash is kept): a reload neither shows it again nor makes another."""
    page = _page_or_404(slug)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        token, _ = attempt(lambda: services.rotate_read_token(current_user, page))
        if token:
            session[NEW_TOKEN] = {"page": page.id, "token": token}
            flash("Made a new read token; the previous one no longer works.", "success")
        return redirect(url_for("admin.rotate_page_token", slug=page.slug, _anchor="read-token"))
    waiting = session.get(NEW_TOKEN)
    token = ""
    if waiting and waiting.get("page") == page.id:
        token = session.pop(NEW_TOKEN)["token"]
    response = _render_page(page, token=token)
    # Never stored by a cache, nor kept in the browser's history to be shown again.
    return response[0], 200, {"Cache-Control": "no-store"}
