"""The signed-in user's own account page: their open sessions, and signing out of all."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, logout_user

from app import staff_sessions
from app.auth import bp
from app.auth.permissions import requires
from core.db import db


@bp.get("/account")
@requires("own_account")
def account():
    sessions = [
        (record, staff_sessions.is_current(record, current_user))
        for record in staff_sessions.open_sessions(current_user)
    ]
    return render_template("auth/account.html", sessions=sessions)


@bp.post("/account/sign-out-everywhere")
@requires("own_account")
def sign_out_everywhere():
    staff_sessions.sign_out_everywhere(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"))
