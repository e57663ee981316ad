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
    return render_template(
        "auth/account.html", sessions=sessions, device_name=staff_sessions.device_name
    )


@bp.post("/account/sessions/<int:session_id>/sign-out")
@requires("own_account")
def sign_out_session(session_id: int):
    user = current_user._get_current_object()
    record = staff_sessions.end_one_session(user, session_id)
    if record is None:
        flash("That session has already ended.", "info")
        return redirect(url_for("auth.account"))
    current = staff_sessions.is_current(record, user)
    db.session.commit()
    if current:
        logout_user()
        flash("You are signed out on this device.", "info")
        return redirect(url_for("auth.login"))
    flash(f"Signed out {staff_sessions.device_name(record)}.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sign-out-everywhere")
@requires("own_account")
def sign_out_everywhere():
    staff_sessions.sign_out_everywhere(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"))
