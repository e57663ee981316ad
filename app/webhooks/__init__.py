"""Provider callbacks (SendGrid events, Twilio status callbacks and inbound SMS) and
monitoring alerts in (Alertmanager, Grafana, the monitor webhook)."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from app.webhooks import alerts, routes  # noqa: E402,F401
