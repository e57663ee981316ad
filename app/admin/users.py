"""Admin: staff users and teams (admins only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app import accounts
from app.admin import attempt, bp, form_errors
from app.admin.forms import TeamForm, UserForm
from app.auth.permissions import requires
from app.models import Team, User
from core.db import db


def _team_choices(form: UserForm) -> None:
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    form.team_id.choices = [(0, "No team")] + [(t.id, t.name) for t in teams]


@bp.get("/users")
@requires("manage_users")
def users():
    people = db.session.scalars(select(User).order_by(User.email)).all()
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    return render_template("admin/users.html", users=people, teams=teams)


@bp.route("/users/new", methods=["GET", "POST"])
@requires("manage_users")
def new_user():
    form = UserForm()
    _team_choices(form)
    status = 200
    if form.validate_on_submit():
        if not form.password.data:
            flash("Password: a new user needs a password of at least 10 characters.", "error")
            status = 400
        else:
            team = db.session.get(Team, form.team_id.data) if form.team_id.data else None
            user, status = attempt(
                lambda: accounts.create_user(
                    current_user,
                    form.email.data,
                    form.role.data,
                    form.password.data,
                    name=form.name.data or "",
                    team=team,
                    phone=form.phone.data or "",
                )
            )
            if user is not None:
                flash(f"Created {user.email}.", "success")
                return redirect(url_for("admin.users"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("manage_users")
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    _team_choices(form)
    status = 200
    if form.validate_on_submit():
        result, status = attempt(
            lambda: accounts.update_user(
                current_user,
                user,
                password=form.password.data or None,
                email=form.email.data,
                name=form.name.data or "",
                role=form.role.data,
                team_id=form.team_id.data or None,
                phone=form.phone.data or "",
                active=form.active.data,
            )
        )
        if result is not None:
            flash(f"Saved {user.email}.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    else:
        form.team_id.data = user.team_id or 0
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.route("/teams/new", methods=["GET", "POST"])
@requires("manage_users")
def new_team():
    form = TeamForm()
    status = 200
    if form.validate_on_submit():
        team, status = attempt(
            lambda: accounts.create_team(
                current_user,
                form.name.data,
                form.description.data or "",
                form.contact_email.data or "",
            )
        )
        if team is not None:
            flash(f"Created team {team.name}.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template("admin/team_form.html", form=form, team=None), status


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@requires("manage_users")
def edit_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    form = TeamForm(obj=team)
    status = 200
    if form.validate_on_submit():
        result, status = attempt(
            lambda: accounts.update_team(
                current_user,
                team,
                name=form.name.data,
                description=form.description.data or "",
                contact_email=form.contact_email.data or "",
            )
        )
        if result is not None:
            flash(f"Saved team {team.name}.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template("admin/team_form.html", form=form, team=team), status
