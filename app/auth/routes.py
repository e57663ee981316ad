"""Sign-in is rate limited per client address, and fails the same way for an unknown
email and a wrong password so it reveals nothing about who has an account."""

from __future__ import annotations

import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import bp
from app.auth.forms import LoginForm
from app.extensions import limiter
from app.models import User, utcnow
from app.staff_sessions import end_session, start_session
from core.db import db


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to check against when the email is unknown, so both failures take as long."""
    return generate_password_hash(secrets.token_hex(16))


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: ``target`` when it is a page of this site. A form's
    address (a POST that found the session ended) is not a page: the nearest page above
    it is (``/admin/incidents/9/updates`` → ``/admin/incidents/9``)."""
    if not target:
        return url_for("admin.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("admin.dashboard")
    adapter = current_app.url_map.bind("localhost")
    path = parts.path
    while path not in ("", "/"):
        try:
            adapter.match(path, method="GET")
        except (NotFound, MethodNotAllowed, RequestRedirect):
            path = path.rsplit("/", 1)[0]
            continue
        return path if path != parts.path else target
    return url_for("admin.dashboard")


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_rate,
    methods=["POST"],
    error_message="Too many sign-in attempts. Try again in {wait}.",
)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            check_password_hash(_dummy_hash(), form.password.data)
        elif user.check_password(form.password.data) and user.active:
            start_session(user, request.user_agent.string, remember=form.remember.data)
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match an active account.", "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        end_session(current_user)  # a copy of either cookie stops working too
        db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    # The sign-in page says so at once (the public pages are the same bytes for all).
    return redirect(url_for("auth.login"))
