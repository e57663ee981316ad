"""Admin: management API tokens. Admins see every token (never the token itself: only
its hash is kept), revoke them, and make one for a user, shown once on the answer."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.admin import attempt, bp, form_errors
from app.admin.forms import options
from app.api import tokens
from app.auth.permissions import requires
from app.input_bounds import MAX_ID
from app.models import ApiToken, User
from core.db import db
from core.vocab import ROLE_LABELS


class NewTokenForm(FlaskForm):
    user_id = SelectField("User", coerce=int, validators=[DataRequired()])
    name = StringField("Name", validators=[Optional(), Length(max=tokens.MAX_NAME)])


class RevokeTokenForm(FlaskForm):
    token_id = IntegerField(
        "Token", validators=[DataRequired(), NumberRange(1, MAX_ID, "No API token has that id.")]
    )


def _page(form: NewTokenForm, status: int = 200, plain: str | None = None, made=None):
    response = make_response(
        render_template(
            "admin/api_tokens.html", tokens=tokens.list_tokens(), form=form, plain=plain, made=made
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # a new token is on the page
    return response


def _new_token_form(fresh: bool = False) -> NewTokenForm:
    form = NewTokenForm(formdata=None) if fresh else NewTokenForm()
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    form.user_id.choices = options((u.id, f"{u.email} ({ROLE_LABELS[u.role]})") for u in people)
    return form


@bp.get("/api-tokens")
@requires("manage_users")
def api_tokens():
    return _page(_new_token_form())


@bp.post("/api-tokens")
@requires("manage_users")
def new_api_token():
    form = _new_token_form()
    if not form.validate_on_submit():
        form_errors(form)
        return _page(form, 400)
    user = db.session.get(User, form.user_id.data)
    made, status = attempt(lambda: tokens.create_token(user, form.name.data, current_user))
    if made is None:
        return _page(form, status)
    token, plain = made
    # Shown on this answer only (never flashed: the session cookie is not a safe place).
    return _page(_new_token_form(fresh=True), 201, plain=plain, made=token)


@bp.post("/api-tokens/revoke")
@requires("manage_users")
def revoke_api_token():
    form = RevokeTokenForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _page(_new_token_form(fresh=True), 400)
    token = db.session.get(ApiToken, form.token_id.data)
    if token is None:
        flash("That API token does not exist.", "error")
        return _page(_new_token_form(fresh=True), 404)
    revoked, _ = attempt(lambda: tokens.revoke(token, current_user))
    if revoked:
        flash(f"Revoked API token {token.prefix} of {token.user.email}.", "success")
    else:
        flash(f"API token {token.prefix} was already revoked.", "info")
    return redirect(url_for("admin.api_tokens"))
