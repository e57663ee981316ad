"""`herald create-integration` prints the URL, the credential once and an Alertmanager
receiver; Herald keeps only a hash (token) or ciphertext (secret); `herald
revoke-integration` stops it."""

from __future__ import annotations

import re

from app.models import Integration
from app.signals.integration_credentials import decrypt_secret, hash_token
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import post_alertmanager


def test_create_alertmanager_prints_url_token_and_a_receiver_that_works(app, client, runner):
    result = runner.invoke(args=["create-integration", "alertmanager", "--name", "Prom"])
    assert result.exit_code == 0, result.output
    assert "URL:    https://status.example.com/webhooks/alertmanager" in result.output
    token = re.search(r"Token: (hrla_\S+)", result.output).group(1)
    snippet = result.output[result.output.index("receivers:") :].split("Store it now")[0]
    assert "  - name: herald\n    webhook_configs:\n" in snippet
    assert "      - url: https://status.example.com/webhooks/alertmanager\n" in snippet
    assert (
        "        http_config:\n          authorization:\n            type: Bearer\n"
        f"            credentials: {token}\n"
    ) in snippet
    stored = db.session.query(Integration).one()
    assert stored.token_hash == hash_token(token) and token not in repr(stored.__dict__)
    assert post_alertmanager(client, token, alertmanager(am_alert())).status_code == 200


def test_create_monitor_prints_a_secret_kept_encrypted(app, runner):
    result = runner.invoke(args=["create-integration", "monitor", "--name", "Kuma"])
    assert result.exit_code == 0, result.output
    secret = re.search(r"Secret: (hrlm_\S+)", result.output).group(1)
    assert "https://status.example.com/webhooks/monitor" in result.output
    stored = db.session.query(Integration).one()
    assert secret not in stored.secret_encrypted and stored.token_hash == ""
    assert decrypt_secret(stored) == secret


def test_a_duplicate_name_fails_and_revoking_stops_the_token(app, client, runner):
    made = runner.invoke(args=["create-integration", "alertmanager", "--name", "Prom"])
    token = re.search(r"Token: (\S+)", made.output).group(1)
    again = runner.invoke(args=["create-integration", "alertmanager", "--name", "Prom"])
    assert again.exit_code != 0 and "already exists" in again.output
    revoked = runner.invoke(args=["revoke-integration", "Prom"])
    assert revoked.exit_code == 0 and "Revoked integration Prom." in revoked.output
    assert post_alertmanager(client, token, alertmanager(am_alert())).status_code == 401
    twice = runner.invoke(args=["revoke-integration", "Prom"])
    assert "already revoked" in twice.output
    missing = runner.invoke(args=["revoke-integration", "Nope"])
    assert missing.exit_code != 0 and "No integration named 'Nope'" in missing.output
