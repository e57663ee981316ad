"""The public status page: page, history, incident pages, feeds, badges and embeds."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import (  # noqa: E402,F401
    embeds,
    feeds,
    language,
    rollcall,
    routes,
    subscribe,
    subscribe_confirm,
    subscription,
)
