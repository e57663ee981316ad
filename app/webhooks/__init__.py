"""Provider callbacks: SendGrid events, Twilio status callbacks and inbound SMS."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from app.webhooks import routes  # noqa: E402,F401
