"""The demo has one Alertmanager integration, "Prometheus", whose webhook URL and token
``herald demo`` prints where it prints its sign-ins. The token comes from the demo's
secret key (instance/secret_key), so a restart prints the same one, and it works: an
alert posted with it reaches the demo's components."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.demo import seed_demo
from app.demo.alerts import demo_integration, demo_token
from app.models import Alert, Component, Integration
from app.signals.integration_credentials import hash_token
from core.db import db
from tests.demo_process import running_demo
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import post_alertmanager

pytestmark = pytest.mark.demo_process

HERALD = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "herald"


def test_the_seeded_integration_takes_the_token_derived_from_the_secret_key(app, client):
    seed_demo()
    [integration] = db.session.scalars(select(Integration)).all()
    assert (integration.name, integration.kind) == ("Prometheus", "alertmanager")
    token = demo_token()
    assert token.startswith("hrla_") and integration.token_hash == hash_token(token)
    assert demo_integration() == integration
    assert token == demo_token()  # stable while the key is

    kept = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-key"
    try:
        assert demo_token() != token and demo_integration() is None
    finally:
        app.config["SECRET_KEY"] = kept

    answer = post_alertmanager(
        client, token, alertmanager(am_alert("ApiLatency", severity="warning", job="api"))
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    alert = db.session.scalar(select(Alert))
    api = db.session.scalar(select(Component).where(Component.name == "REST API"))
    assert alert.component_id == api.id  # the demo's rule job="api" → REST API


def _run_demo(instance: Path) -> tuple[str, str, str]:
    """Start ``herald demo``, post one alert with what it printed, stop it; returns the
    URL, the token and the answer to the alert."""
    with running_demo(instance) as demo:
        derived = _token_of(instance)
        request = urllib.request.Request(
            demo.base + "/webhooks/alertmanager",
            data=json.dumps(alertmanager(am_alert(herald_component="Dashboard"))).encode(),
            headers={"Authorization": f"Bearer {derived}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read().decode()
    output = demo.output
    assert "Demo staff sign-ins" in output
    printed = re.search(r"Demo Alertmanager integration \(Prometheus\):\n(.*?)\n\n", output, re.S)
    assert printed, output
    url = re.search(r"URL:\s+(\S+)", printed.group(1)).group(1)
    token = re.search(r"Token:\s+(\S+)", printed.group(1)).group(1)
    assert url == f"{demo.base}/webhooks/alertmanager"
    assert token == derived
    return url, token, answer


def _token_of(instance: Path) -> str:
    """What the token must be: derived from the key the demo wrote on its first start."""
    key = (instance / "secret_key").read_text().strip().encode()
    digest = hmac.new(key, b"herald demo alertmanager token v1", hashlib.sha256).digest()
    return "hrla_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_herald_demo_prints_the_same_working_token_on_every_start(tmp_path):
    instance = tmp_path / "checkout" / "instance"
    _, first, answer = _run_demo(instance)
    assert json.loads(answer) == {"accepted": 1}
    _, second, answer = _run_demo(instance)
    assert second == first and json.loads(answer) == {"accepted": 1}
