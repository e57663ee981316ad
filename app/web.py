"""Request-level wiring: sign-in loading, security headers, errors and template helpers."""

from __future__ import annotations

import hashlib
import os

from flask import Flask, g, jsonify, make_response, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app import database
from app.auth.permissions import can
from app.extensions import login_manager
from app.i18n import is_localized_request
from app.input_bounds import IdConverter, refuse_nul
from app.markdown import render_markdown
from app.models import User
from app.staff_sessions import find_signed_in_user
from app.status.entries import format_time
from app.status.uptime import format_percent
from app.timeutil import page_zone
from core.db import db
from core.errors import ServiceError
from core.vocab import (
    IMPACTS,
    INCIDENT_STATUS_LABELS,
    MAINTENANCE_STATUS_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
# Sent when the public URL is https (RFC 6797): browsers then refuse plain http to this
# host and its subdomains for a year, so a session cookie never crosses the wire in clear.
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(hsts: bool, own=None) -> list[tuple[str, str]]:
    """The headers every response carries; the page cache's fast path sends them too.
    ``own`` replaces the site's (a page made to be framed elsewhere, app/public/embeds.py)."""
    headers = list(SECURITY_HEADERS.items()) if own is None else list(own)
    return [*headers, HSTS] if hsts else headers


STATUS_ICONS = {
    "operational": "✓",
    "degraded_performance": "▼",
    "partial_outage": "!",
    "major_outage": "✕",
    "under_maintenance": "⚙",
}


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building the signing serializer for a
    request that carries no session cookie (most requests: the public pages, the JSON
    and the feeds). The stock interface builds it on every request, which cost about a
    fifth of a cached page's time; the result is the same empty session."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        # Public pages are the same bytes for everyone: no "Vary: Cookie", which would make
        # a CDN keep a copy per visitor, and no cookie written.
        if g.get("shared_response") and not session.modified:
            return
        super().save_session(app, session, response)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Both cookies name a staff session: sign-out, sign-out everywhere, a password
    change or a deactivation closes it, and the cookie stops working."""
    return find_signed_in_user(user_id)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _error(status: int, title: str, message: str):
    if _wants_json():
        # The management API's error shape (app/api/errors.py), with the title kept.
        code = "_".join(title.lower().replace("-", " ").split()) or "error"
        error = {"status": status, "code": code, "title": title, "message": message}
        return jsonify(error={**error, "field": None}), status
    # A signed-in person's error in the staff area keeps the staff menu (not for a 500:
    # the menu reads the database, which may be what failed).
    staff_page = (
        status < 500
        and request.path.startswith(("/admin", "/internal", "/account"))
        and current_user.is_authenticated
    )
    # Under a private page, its viewer keeps the page's frame: back link and Sign out.
    private_slug = None
    if status < 500 and not staff_page:
        from app.pages.routes import viewer_slug_of_path

        private_slug = viewer_slug_of_path(request.path)
    # On a public page, in the reader's language when the words are in the catalogs
    # (app/i18n/words.py ERROR_WORDS); staff pages are English, so nothing changes there.
    page = render_template(
        "errors/error.html",
        status=status,
        title=gettext(title),
        message=gettext(message),
        staff_page=staff_page,
        private_slug=private_slug,
    )
    response = make_response(page, status)
    if is_localized_request():
        # Chosen by the language cookie or Accept-Language: a shared cache that keeps
        # error pages (a CDN may) must keep one per language.
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def init_app(app: Flask) -> None:
    database.init_app(app)
    # Before any blueprint adds its rules: an id no database column holds matches no
    # route (404) instead of reaching the driver, which overflows on it (500).
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.session_interface = CookieSessionInterface()

    # (lower-case name, name, value): the hook runs on every response, so it compares
    # names once against a set instead of a Headers.setdefault scan each (about 25 µs).
    header_items = [
        (name.lower(), name, value)
        for name, value in security_headers(bool(app.config.get("HSTS")))
    ]

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        # A response with its own policy says by frame-ancestors who may frame it (the
        # embed: anyone); X-Frame-Options: DENY would contradict it.
        if "content-security-policy" in present:
            present.add("x-frame-options")
        for lower, name, value in header_items:
            if lower not in present:
                headers.add(name, value)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error(
            400,
            "Form expired or forged",
            "The form was missing its security token or it did not match. "
            "Go back, reload the page and try again. Nothing was changed.",
        )

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        # One mapping for every face: the error names its status (core/errors.py).
        db.session.rollback()
        return _error(error.status, HTTP_STATUS_CODES.get(error.status, "Error"), error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            403: "Your role does not allow this. Ask an admin if you need access.",
            404: "There is nothing at this address.",
            429: error.description or "Too many requests. Wait a little and try again.",
        }
        message = messages.get(error.code, error.description or "")
        return _error(error.code or 500, error.name, message)

    @app.errorhandler(500)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _error(
            500,
            "Something went wrong",
            "Herald hit an unexpected error and changed nothing. It has been logged.",
        )

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["page_time"] = lambda moment: (
        format_time(moment, page_zone()) if moment else ""
    )
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_ICONS=STATUS_ICONS,
        INCIDENT_STATUS_LABELS=INCIDENT_STATUS_LABELS,
        MAINTENANCE_STATUS_LABELS=MAINTENANCE_STATUS_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        TIER_LABELS=TIER_LABELS,
        IMPACTS=IMPACTS,
        can=can,
    )

    asset_versions: dict[str, str] = {}

    def asset(filename: str) -> str:
        """A static file's URL with a content hash, so it can be cached for a year."""
        version = asset_versions.get(filename)
        if version is None:
            with open(os.path.join(app.static_folder, filename), "rb") as handle:
                version = hashlib.blake2b(handle.read(), digest_size=4).hexdigest()
            if not app.debug:
                asset_versions[filename] = version
        return url_for("static", filename=filename, v=version)

    app.jinja_env.globals["asset"] = asset
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 31536000  # assets carry a content hash

    @app.context_processor
    def page_settings():
        return {
            "page_name": app.config["PAGE_NAME"],
            "page_logo": bool(app.config["PAGE_LOGO"]),
        }
