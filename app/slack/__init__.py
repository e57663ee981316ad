"""The Slack app: the ``/herald`` slash command and the buttons and modals of Herald's
Slack messages, at /integrations/slack. A web face like the admin: it checks who is
asking and calls the same domain services.

Registered only when both HERALD_SLACK_SIGNING_SECRET and HERALD_SLACK_BOT_TOKEN are
set: without them the routes do not exist (404) and nothing of Slack runs."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Flask

bp = Blueprint("slack", __name__, url_prefix="/integrations/slack")


def configured(config: Mapping) -> bool:
    """Both halves of the app are set: the secret to trust Slack, the token to answer."""
    return bool(config.get("SLACK_SIGNING_SECRET")) and bool(config.get("SLACK_BOT_TOKEN"))


def init_app(app: Flask) -> None:
    if not configured(app.config):
        return
    from app.extensions import csrf

    csrf.exempt(bp)  # Slack signs its requests; it has no session and no CSRF token
    app.register_blueprint(bp)


from app.slack import routes  # noqa: E402,F401
