"""Whatever goes wrong under /api/v1 answers JSON in one shape:
{"error": {"status", "code", "message", "field"}}."""

from __future__ import annotations

import pytest

from tests.api.helpers import error_of
from tests.snapshot import snapshot


def test_an_unknown_address_is_a_404_json(app, world, api):
    for client in (api(world["lead"]), api(None)):
        response = client.get("/api/v1/nothing/here")
        assert error_of(response, 404)["code"] == "not_found"


def test_a_wrong_method_is_a_405_json(app, world, api):
    response = api(world["lead"]).send("DELETE", f"/api/v1/components/{world['api'].public_id}")
    assert error_of(response, 405)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ('{"status": ', "not valid JSON"),
        ("status=major_outage", "not valid JSON"),
        ('["major_outage"]', "must be a JSON object"),
        ('"major_outage"', "must be a JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(app, world, api, data, words):
    client = api(world["responder"])
    before = snapshot()
    response = client.client.patch(
        f"/api/v1/components/{world['api'].public_id}",
        data=data,
        headers={**client._headers(None), "Content-Type": "application/json"},
    )
    error = error_of(response, 400)
    assert error["code"] == "bad_json" and words in error["message"]
    assert snapshot() == before


def test_json_is_read_whatever_the_content_type_says(app, world, api):
    client = api(world["responder"])
    response = client.client.patch(
        f"/api/v1/components/{world['api'].public_id}",
        data='{"status": "major_outage"}',
        headers={**client._headers(None), "Content-Type": "text/plain"},
    )
    assert response.status_code == 200


def test_an_unexpected_failure_is_a_500_json_and_changes_nothing(app, world, api, monkeypatch):
    import app.api.v1 as views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "set_component_status", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = api(world["responder"])
    before = snapshot()
    response = client.patch(
        f"/api/v1/components/{world['api'].public_id}", json={"status": "major_outage"}
    )
    error = error_of(response, 500)
    assert error["code"] == "internal_server_error" and "boom" not in error["message"]
    assert snapshot() == before


def test_service_errors_keep_their_message_and_field(app, world, api):
    response = api(world["lead"]).post(
        "/api/v1/incidents", json={"name": "X", "impact": "minor", "status": "resolved"}
    )
    error = error_of(response, 400)
    assert error == {
        "status": 400,
        "code": "invalid",
        "message": "A new incident cannot start resolved; declare it, then resolve it.",
        "field": "status",
    }
