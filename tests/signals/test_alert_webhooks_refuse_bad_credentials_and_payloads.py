"""Wrong, missing or revoked credentials answer 401, bad payloads 400 with the reason, and
neither changes anything; the monitor webhook takes bodies signed like Herald's own."""

from __future__ import annotations

import json
import time

import pytest

from app.signals.integrations import revoke_integration
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert, signed
from tests.signals.alert_setup import alerts, integration, post_alertmanager, shown
from tests.snapshot import snapshot

FIRING = alertmanager(am_alert(herald_component="API"))


@pytest.fixture
def api(make_component):
    return make_component("API")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer hrla_wrong"},
        {"Authorization": "Basic eDp5"},
    ],
)
def test_a_missing_or_wrong_token_answers_401_and_changes_nothing(app, client, api, headers):
    integration(min_firing_seconds=0)
    before = snapshot()
    response = client.post("/webhooks/alertmanager", json=FIRING, headers=headers)
    assert response.status_code == 401
    assert "Unauthorized" in response.get_json()["error"]
    assert snapshot() == before and shown(api) == "operational"


def test_a_revoked_token_answers_401(app, client, api):
    made, token = integration(min_firing_seconds=0)
    revoke_integration(None, made)
    db.session.commit()
    before = snapshot()
    assert post_alertmanager(client, token, FIRING).status_code == 401
    assert snapshot() == before


def test_a_monitor_secret_is_no_bearer_token(app, client, api):
    _, secret = integration("monitor", "Kuma", min_firing_seconds=0)
    assert post_alertmanager(client, secret, FIRING).status_code == 401


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"version": "4"}).encode(), "alerts must be an array"),
        (json.dumps({**FIRING, "version": "3"}).encode(), "Unknown webhook version"),
        (
            json.dumps(alertmanager({**am_alert(), "status": "pending"})).encode(),
            "alerts[0].status must be firing or resolved",
        ),
        (
            json.dumps(alertmanager({**am_alert(), "startsAt": "yesterday"})).encode(),
            "alerts[0].startsAt is not an RFC 3339 time",
        ),
        (
            json.dumps(alertmanager({**am_alert(), "labels": {"severity": 3}})).encode(),
            "alerts[0].labels.severity must be a string",
        ),
        (
            # The second alert is bad: the good first one is not taken either.
            json.dumps(
                alertmanager(am_alert(herald_component="API"), {"status": "firing", "labels": []})
            ).encode(),
            "alerts[1].labels must be an object",
        ),
    ],
)
def test_a_bad_payload_answers_400_with_the_reason_and_changes_nothing(
    app, client, api, body, reason
):
    _, token = integration(min_firing_seconds=0)
    before = snapshot()
    response = client.post(
        "/webhooks/alertmanager",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    assert snapshot() == before and shown(api) == "operational"


def test_an_oversized_body_is_refused(app, client, api):
    _, token = integration(min_firing_seconds=0)
    before = snapshot()
    big = b'{"alerts": [], "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = client.post(
        "/webhooks/alertmanager", data=big, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 413
    assert snapshot() == before


def test_a_signed_monitor_body_sets_and_clears_a_status(app, client, api):
    _, secret = integration("monitor", "Kuma", min_firing_seconds=0, min_clear_seconds=0)
    body = {"id": "api-health", "component": "API", "status": "partial_outage", "summary": "down"}
    raw, headers = signed(secret, body)
    response = client.post("/webhooks/monitor", data=raw, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"accepted": 1}
    assert shown(api) == "partial_outage"
    [alert] = alerts()
    assert (alert.fingerprint, alert.summary) == ("api-health", "down")
    raw, headers = signed(secret, {**body, "status": "resolved"})
    assert client.post("/webhooks/monitor", data=raw, headers=headers).status_code == 200
    assert shown(api) == "operational"


@pytest.mark.parametrize(
    ("alert", "field"),
    [
        ({"status": "pending"}, "alerts[0].status"),
        ({"labels": {"severity": 3}}, "alerts[0].labels.severity"),
        ({"fingerprint": 7}, "alerts[0].fingerprint"),
        ({"generatorURL": 7}, "alerts[0].generatorURL"),
    ],
)
def test_a_bad_alert_names_the_field_at_fault(app, client, api, alert, field):
    """Found by a new user: every bad alert answered field "alerts", not the one at fault."""
    _, token = integration("alertmanager", "Prometheus", min_firing_seconds=0)
    response = post_alertmanager(client, token, alertmanager({**am_alert(), **alert}))
    assert response.status_code == 400
    assert response.get_json()["field"] == field


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing", "send X-Herald-Signature"),
        ("wrong secret", "does not match any monitor integration's secret"),
        # Found by a new user: a stale signature and a wrong one gave the same answer.
        ("stale", "s ago; more than 300 s either way is refused as a replay"),
        ("tampered", "does not match any monitor integration's secret"),
        ("garbled", "must be t=<unix time>,v1=<HMAC-SHA256 hex>"),
    ],
)
def test_a_bad_monitor_signature_answers_401_and_changes_nothing(app, client, api, case, reason):
    _, secret = integration("monitor", "Kuma", min_firing_seconds=0)
    body = {"id": "api-health", "component": "API", "status": "major_outage"}
    raw, headers = signed(secret, body)
    if case == "missing":
        headers.pop("X-Herald-Signature")
    elif case == "wrong secret":
        raw, headers = signed("hrlm_not-the-secret", body)
    elif case == "stale":
        raw, headers = signed(secret, body, at=int(time.time()) - 301)
    elif case == "tampered":
        raw = raw.replace(b"major_outage", b"partial_outage")
    else:
        headers["X-Herald-Signature"] = "t=abc,v1=zz"
    before = snapshot()
    response = client.post("/webhooks/monitor", data=raw, headers=headers)
    assert response.status_code == 401
    assert reason in response.get_json()["error"]
    assert snapshot() == before and shown(api) == "operational"


def test_a_revoked_monitor_is_refused(app, client, api):
    made, secret = integration("monitor", "Kuma", min_firing_seconds=0)
    revoke_integration(None, made)
    db.session.commit()
    raw, headers = signed(secret, {"id": "x", "status": "major_outage", "component": "API"})
    assert client.post("/webhooks/monitor", data=raw, headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"component": "API", "status": "major_outage"}, "'id' is required"),
        ({"id": "x", "status": "sideways"}, "'status' 'sideways' is not a status"),
        ({"id": "x", "status": "firing", "extra": 1}, "Unknown field 'extra'"),
        ({"id": "x", "status": "firing", "summary": 5}, "'summary' must be a string"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_bad_monitor_body_answers_400_with_the_reason(app, client, api, body, reason):
    _, secret = integration("monitor", "Kuma", min_firing_seconds=0)
    raw, headers = signed(secret, body)
    before = snapshot()
    response = client.post("/webhooks/monitor", data=raw, headers=headers)
    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    assert snapshot() == before


def test_webhooks_need_no_csrf_token_and_answer_json(app, client, api):
    app.config["WTF_CSRF_ENABLED"] = True
    _, token = integration(min_firing_seconds=0)
    response = post_alertmanager(client, token, FIRING)
    assert response.status_code == 200 and response.mimetype == "application/json"
