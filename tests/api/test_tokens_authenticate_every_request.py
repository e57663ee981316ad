"""Every endpoint but the OpenAPI document needs a valid bearer token, and the token's
user needs the role the admin would need: 401 and 403 as JSON, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import accounts, create_app
from app.api.tokens import create_token, find_by_prefix, revoke
from app.auth.permissions import PERMISSIONS
from app.models import ApiToken
from core.db import db
from core.vocab import ROLES
from tests.api.helpers import ApiClient, error_of
from tests.snapshot import snapshot


def api_routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, url with placeholder ids) for every route of the API."""
    probe = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "probe"})
    routes = []
    for rule in probe.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1.") and rule.endpoint != "api_v1.openapi":
            url = rule.rule
            for argument in rule.arguments:
                url = url.replace(f"<{argument}>", "x0")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, url))
    return sorted(routes)


ROUTES = api_routes()
IDS = [f"{endpoint}-{method}" for endpoint, method, _ in ROUTES]


def test_the_walk_finds_the_routes_the_issue_asks_for():
    endpoints = {endpoint for endpoint, _, _ in ROUTES}
    assert len(ROUTES) >= 12
    assert {"api_v1.set_status", "api_v1.declare", "api_v1.compose", "api_v1.publish"} <= endpoints


@pytest.mark.parametrize(("endpoint", "method", "url"), ROUTES, ids=IDS)
def test_a_request_without_a_token_gets_401_json_and_a_challenge(app, endpoint, method, url):
    response = ApiClient(app.test_client(), None).send(method, url, json={})
    error = error_of(response, 401)
    assert error["code"] == "unauthorized"
    assert "Bearer" in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer hrld_00000000_not-a-real-token",
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "hrld_00000000_no-scheme",
    ],
)
def test_a_malformed_or_unknown_token_gets_401(app, world, header):
    response = app.test_client().get(
        f"/api/v1/incidents/{'x' * 12}", headers={"Authorization": header}
    )
    assert error_of(response, 401)["code"] in ("unauthorized", "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_with_one_character_changed_gets_401(app, world, api):
    client = api(world["viewer"])
    client.token = client.token[:-1] + ("A" if client.token[-1] != "A" else "B")
    assert error_of(client.get("/api/v1/incidents/nothing"), 401)["code"] == "invalid_token"


def test_a_revoked_token_gets_401(app, world, api):
    client = api(world["lead"])
    assert client.get("/api/v1/incidents/nothing").status_code == 404  # it works
    revoke(find_by_prefix(client.token))
    db.session.commit()
    assert error_of(client.get("/api/v1/incidents/nothing"), 401)["code"] == "invalid_token"


def test_a_deactivated_users_token_gets_401(app, world, api, make_user):
    admin = make_user("admin")
    client = api(world["lead"])
    accounts.update_user(admin, world["lead"], active=False)
    db.session.commit()
    assert error_of(client.get("/api/v1/incidents/nothing"), 401)["code"] == "invalid_token"


def test_a_signed_in_session_is_not_a_token(app, world, staff):
    signed_in = staff(world["lead"])
    response = signed_in.client.patch(
        f"/api/v1/components/{world['api'].public_id}", json={"status": "major_outage"}
    )
    error_of(response, 401)
    assert world["api"].status == "operational"


def test_the_openapi_document_needs_no_token(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")


def _permission_of(app, endpoint: str) -> str:
    return app.view_functions[endpoint].permission


@pytest.mark.parametrize(("endpoint", "method", "url"), ROUTES, ids=IDS)
def test_each_route_names_a_permission_of_the_admins_table(app, endpoint, method, url):
    assert _permission_of(app, endpoint) in PERMISSIONS


@pytest.mark.parametrize(("endpoint", "method", "url"), ROUTES, ids=IDS)
def test_roles_without_the_permission_get_403_and_change_nothing(
    app, world, api, make_user, endpoint, method, url
):
    permission = _permission_of(app, endpoint)
    refused = [role for role in ROLES if role not in PERMISSIONS[permission]]
    clients = {role: api(make_user(role)) for role in refused}
    before = snapshot()
    for role, client in clients.items():
        error = error_of(client.send(method, url, json={}), 403)
        assert error["code"] == "forbidden"
        assert permission in error["message"] and role in error["message"]
    assert snapshot() == before


def test_a_viewer_may_read_but_not_write(app, world, api):
    viewer = api(world["viewer"])
    assert viewer.get("/api/v1/incidents/nothing").status_code == 404  # past the role check
    before = snapshot()
    response = viewer.patch(
        f"/api/v1/components/{world['api'].public_id}", json={"status": "major_outage"}
    )
    assert error_of(response, 403)["code"] == "forbidden"
    response = viewer.post("/api/v1/incidents", json={"name": "X", "impact": "minor"})
    assert error_of(response, 403)["code"] == "forbidden"
    assert snapshot() == before


def test_last_used_is_recorded_at_most_once_a_minute(app, world, api):
    client = api(world["viewer"])
    token = find_by_prefix(client.token)
    assert token.last_used_at is None
    client.get("/api/v1/incidents/nothing")
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    client.get("/api/v1/incidents/nothing")
    assert db.session.get(ApiToken, token.id).last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/incidents/nothing")
    assert db.session.get(ApiToken, token.id).last_used_at > first - timedelta(minutes=2)


def test_tokens_look_like_hrld_prefix_secret_and_only_their_hash_is_kept(app, world):
    token, plain = create_token(world["lead"], "CI")
    db.session.commit()
    scheme, prefix, secret = plain.split("_", 2)
    assert scheme == "hrld" and prefix == token.prefix and len(prefix) == 8
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    assert token.token_hash != plain and len(token.token_hash) == 64
    assert secret not in token.token_hash


def test_a_deactivated_user_cannot_be_given_a_token(app, world, make_user):
    from core.errors import ServiceError

    accounts.update_user(make_user("admin"), world["viewer"], active=False)
    with pytest.raises(ServiceError, match="deactivated"):
        create_token(world["viewer"], "x")
