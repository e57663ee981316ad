"""Herald: status pages and stakeholder communication."""

from __future__ import annotations

import contextlib
import os

from flask import Flask

from config import engine_options, load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(settings: dict | None = None) -> Flask:
    """Build the Flask app: settings, extensions, blueprints, errors, CLI. Nothing else."""
    app = Flask(
        __name__,
        instance_path=os.path.abspath(
            os.environ.get("HERALD_INSTANCE_PATH") or os.path.join(ROOT, "instance")
        ),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    # For the default SQLite file and the development outboxes; a read-only install on
    # PostgreSQL needs none.
    with contextlib.suppress(OSError):
        os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(instance_path=app.instance_path))
    if settings:
        app.config.from_mapping(settings)
        if "SQLALCHEMY_ENGINE_OPTIONS" not in settings:
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
                app.config["SQLALCHEMY_DATABASE_URI"]
            )

    from app import slack, web
    from app.extensions import csrf, limiter, login_manager, migrate
    from app.i18n import setup as i18n_setup
    from core.db import db

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    web.init_app(app)
    i18n_setup.init_app(app)  # after web: its filters speak the reader's language

    from app.admin import bp as admin_bp
    from app.api import bp as api_v1_bp
    from app.auth import bp as auth_bp
    from app.internal import bp as internal_bp
    from app.pages.routes import bp as pages_bp
    from app.public import bp as public_bp
    from app.public.api_v2 import bp as api_v2_bp
    from app.webhooks import bp as webhooks_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(api_v2_bp)
    app.register_blueprint(api_v1_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(internal_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(webhooks_bp)
    slack.init_app(app)  # only when the Slack app is configured

    from app import cli
    from app.comms.rollcall import handle_sms_reply
    from app.public import fastpath
    from subscribers.events import register_inbound_handler

    cli.init_app(app)
    register_inbound_handler(handle_sms_reply)  # teams answer roll calls by text message
    _register_periodic_jobs(app)
    fastpath.init_app(app)
    _trust_proxies(app)
    return app


def _register_periodic_jobs(app: Flask) -> None:
    """The domain's jobs that the worker (embedded or Celery) runs on every tick."""
    from app.comms.cadence import remind_overdue
    from app.maintenance.services import advance_maintenance, send_maintenance_reminders
    from app.notifier.chat_updates import update_decided_messages
    from app.notifier.incident_channels import open_incident_channels
    from app.notifier.slack_people import match_staff
    from app.signals.alerts import settle as settle_alerts
    from app.signals.listening_items import poll_listening_feeds
    from app.signals.vendors import poll_vendor_sources
    from app.staff_sessions import forget_old_sessions
    from subscribers.worker import register_periodic_job

    register_periodic_job(app, "cadence", remind_overdue)
    register_periodic_job(app, "maintenance", advance_maintenance)
    register_periodic_job(app, "reminders", send_maintenance_reminders)
    register_periodic_job(app, "sessions", forget_old_sessions)
    register_periodic_job(app, "alerts", settle_alerts)
    # Polls wait on other people's servers: their own thread, never the coordinator's.
    register_periodic_job(app, "vendor-sources", poll_vendor_sources, slow=True)
    register_periodic_job(app, "listening-feeds", poll_listening_feeds, slow=True)
    # Slack (nothing happens without its settings): match staff to Slack users, edit
    # messages whose question was answered, open incident channels.
    register_periodic_job(app, "slack-users", match_staff, slow=True)
    register_periodic_job(app, "chat-updates", update_decided_messages, slow=True)
    register_periodic_job(app, "incident-channels", open_incident_channels, slow=True)


def _trust_proxies(app: Flask) -> None:
    """Behind HERALD_PROXY_HOPS reverse proxies, take the client's address, the scheme and
    the host from their X-Forwarded-* headers: rate limits then count per client, not per
    proxy, and request.scheme and request.url say https behind TLS. Outermost, so that
    the fast path sees the same request as the views."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
