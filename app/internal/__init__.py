"""The internal status page: every component and incident, for signed-in staff only."""

from flask import Blueprint

bp = Blueprint("internal", __name__, url_prefix="/internal")

from app.internal import listening, rollcall, routes, signals  # noqa: E402,F401
