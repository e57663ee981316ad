"""The public status page: page, history, incident pages, feeds."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import feeds, rollcall, routes, subscribe  # noqa: E402,F401
