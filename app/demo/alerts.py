"""The demo's monitoring integration: an Alertmanager integration "Prometheus" whose
token ``herald demo`` prints on every start, so a newcomer can point a real Alertmanager
(or curl) at the demo straight away.

Herald keeps only a token's hash, so to print it again the demo derives the token from
its secret key (HMAC-SHA256 with a purpose label): the same instance/secret_key gives
the same token on every run, and nothing secret is stored beside the hash. A real
installation makes its tokens with ``herald create-integration`` (random, shown once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import click
from flask import current_app
from sqlalchemy import select

from app.models import Component, Integration
from app.signals.alert_rules import add_rule
from app.signals.integration_credentials import TOKEN_SCHEME, hash_token
from app.signals.integration_snippets import webhook_url
from app.signals.integrations import create_integration
from core.db import db

DEMO_INTEGRATION_NAME = "Prometheus"
TOKEN_LABEL = b"herald demo alertmanager token v1"
# An alert labelled job="api" belongs to the demo's REST API (a herald_component label
# naming any component works too).
DEMO_RULE_MATCHERS = {"job": "api"}
DEMO_RULE_COMPONENT = "REST API"


def demo_token() -> str:
    """The demo integration's bearer token: derived from SECRET_KEY, stable across runs."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, TOKEN_LABEL, hashlib.sha256).digest()
    return f"{TOKEN_SCHEME['alertmanager']}_{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def add_demo_integration() -> Integration:
    """The demo's Alertmanager integration and its one rule (called by the seed)."""
    integration, _ = create_integration(
        None, "alertmanager", DEMO_INTEGRATION_NAME, plain=demo_token()
    )
    component = db.session.scalar(select(Component).where(Component.name == DEMO_RULE_COMPONENT))
    if component is not None:
        add_rule(None, integration, DEMO_RULE_MATCHERS, component)
    return integration


def ensure_demo_integration() -> None:
    """A demo database loaded before the demo had an integration gets one at start."""
    exists = db.session.scalar(
        select(Integration.id).where(Integration.name == DEMO_INTEGRATION_NAME)
    )
    if exists is None:
        add_demo_integration()
        db.session.commit()


def demo_integration() -> Integration | None:
    """The demo's integration when its token is still the one this secret key gives
    (None when it was revoked, renamed, or made under another key)."""
    found = db.session.scalar(select(Integration).where(Integration.name == DEMO_INTEGRATION_NAME))
    if found is None or found.revoked_at is not None or found.kind != "alertmanager":
        return None
    if not hmac.compare_digest(found.token_hash, hash_token(demo_token())):
        return None
    return found


def print_demo_integration() -> None:
    """Where ``herald demo`` prints its sign-in details: the webhook URL and token."""
    integration = demo_integration()
    if integration is None:
        return
    url = webhook_url(integration)
    click.echo(f"\nDemo Alertmanager integration ({DEMO_INTEGRATION_NAME}):")
    click.echo(f"  URL:   {url}")
    click.echo(f"  Token: {demo_token()}")
    click.echo(
        "  Send alerts with Authorization: Bearer <token> and a herald_component label "
        '(or job="api"); README.md, "Monitoring alerts", has the receiver config.'
    )
