"""The management API makes integrations (credential once), revokes them, edits their
rules and lists alerts; every route is in the OpenAPI document."""

from __future__ import annotations

from app.api.tokens import create_token
from core.db import db
from tests.api.helpers import ApiClient, error_of
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import post_alertmanager


def _api(app, make_user, role="admin"):
    _, plain = create_token(make_user(role), "t")
    db.session.commit()
    return ApiClient(app.test_client(), plain)


def test_integrations_rules_and_alerts_through_the_api(app, client, make_user, make_component):
    api = _api(app, make_user)
    checkout = make_component("Checkout")
    made = api.post(
        "/api/v1/integrations",
        json={"kind": "alertmanager", "name": "Prom", "min_firing_seconds": 0},
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert body["credential"].startswith("hrla_") and "credentials: " in body["alertmanager_config"]
    assert body["url"] == "https://status.example.com/webhooks/alertmanager"
    listed = api.get("/api/v1/integrations").get_json()["integrations"]
    assert [i["name"] for i in listed] == ["Prom"] and "credential" not in listed[0]

    rules_url = f"/api/v1/integrations/{body['id']}/rules"
    rule = api.post(
        rules_url, json={"matchers": {"job": "checkout"}, "component": checkout.public_id}
    )
    assert rule.status_code == 201
    assert api.get(rules_url).get_json()["rules"][0]["component"] == checkout.public_id

    post_alertmanager(client, body["credential"], alertmanager(am_alert(job="checkout")))
    [alert] = api.get("/api/v1/alerts").get_json()["alerts"]
    assert (alert["component"], alert["firing"], alert["counts"]) == (
        checkout.public_id,
        True,
        True,
    )

    gone = api.send("DELETE", f"{rules_url}?rule={rule.get_json()['id']}")
    assert gone.status_code == 200 and gone.get_json() == {"rules": []}
    revoked = api.send("DELETE", f"/api/v1/integrations/{body['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    refused = post_alertmanager(client, body["credential"], alertmanager(am_alert()))
    assert refused.status_code == 401


def test_bad_bodies_and_roles_are_refused(app, make_user, make_component):
    api = _api(app, make_user)
    error_of(api.post("/api/v1/integrations", json={"kind": "pager", "name": "x"}), 400)
    error_of(api.post("/api/v1/integrations", json={"kind": "monitor"}), 400)
    error_of(
        api.post(
            "/api/v1/integrations",
            json={"kind": "monitor", "name": "m", "severity_map": {"critical": "on fire"}},
        ),
        400,
    )
    made = api.post("/api/v1/integrations", json={"kind": "monitor", "name": "m"}).get_json()
    rules_url = f"/api/v1/integrations/{made['id']}/rules"
    error_of(api.post(rules_url, json={"matchers": {}, "component": "nope"}), 404)
    component = make_component("C")
    error_of(api.post(rules_url, json={"matchers": [], "component": component.public_id}), 400)
    error_of(api.send("DELETE", f"{rules_url}?rule=abc"), 400)
    error_of(api.send("DELETE", "/api/v1/integrations/nope"), 404)
    responder = _api(app, make_user, "responder")
    error_of(responder.get("/api/v1/integrations"), 403)
    assert responder.get("/api/v1/alerts").status_code == 200


def test_the_openapi_document_describes_the_integration_routes(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    post = document["paths"]["/integrations"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "kind",
        "name",
    ]
    assert "/integrations/{integration_id}/rules" in document["paths"]
    assert {"Integration", "AlertRule", "Alert"} <= set(document["components"]["schemas"])
