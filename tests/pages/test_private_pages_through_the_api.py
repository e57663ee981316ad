"""Private pages through the management API: create, read, edit, delete, invite and remove
viewers, make read tokens; every body described in the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import PageViewer, PrivatePage
from core.db import db
from tests.api.helpers import error_of
from tests.snapshot import snapshot


@pytest.fixture
def lead_api(api, make_user):
    return api(make_user("comms_lead"))


def test_staff_create_a_page_by_api_with_a_hidden_component(lead_api, parts):
    response = lead_api.post(
        "/api/v1/pages",
        json={
            "slug": "acme",
            "name": "Acme Corp",
            "components": [parts["api"].public_id, parts["ledger"].public_id],
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()
    assert data["slug"] == "acme" and data["audience"] == "page:acme"
    assert [c["name"] for c in data["components"]] == ["Checkout API", "Partner ledger"]
    assert data["has_read_token"] is False and data["viewers"] == []
    assert lead_api.get("/api/v1/pages/acme").get_json() == data
    assert [p["slug"] for p in lead_api.get("/api/v1/pages").get_json()["pages"]] == ["acme"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"slug": "Acme", "name": "A", "components": ["api"]}, 400, "slug"),
        ({"slug": "a", "name": "A", "components": ["api"]}, 400, "slug"),
        ({"slug": "-acme", "name": "A", "components": ["api"]}, 400, "slug"),
        ({"slug": 7, "name": "A", "components": ["api"]}, 400, "slug"),
        ({"slug": "x" * 36, "name": "A", "components": ["api"]}, 400, "slug"),
        ({"slug": "acme", "name": "  ", "components": ["api"]}, 400, "name"),
        ({"slug": "acme", "name": "A" * 121, "components": ["api"]}, 400, "name"),
        ({"slug": "acme", "name": "A", "components": ["nope"]}, 400, "components"),
        ({"slug": "acme", "name": "A", "components": "api"}, 400, "components"),
        ({"slug": "acme", "name": "A", "components": [1]}, 400, "components"),
        ({"slug": "acme", "name": "A"}, 400, "components"),
        ({"slug": "acme", "name": "A", "components": ["api"], "extra": 1}, 400, "extra"),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(lead_api, parts, body, status, field):
    body = dict(body)
    if isinstance(body.get("components"), list):
        body["components"] = [parts[c].public_id if c in parts else c for c in body["components"]]
    before = snapshot()
    error = error_of(lead_api.post("/api/v1/pages", json=body), status)
    assert error["field"] == field
    assert snapshot() == before


def test_a_duplicate_slug_is_a_conflict(lead_api, make_page, parts):
    make_page()
    before = snapshot()
    response = lead_api.post(
        "/api/v1/pages", json={"slug": "acme", "name": "B", "components": [parts["mail"].public_id]}
    )
    assert error_of(response, 409)["field"] == "slug"
    assert snapshot() == before


def test_staff_edit_a_page_but_not_its_slug(lead_api, make_page, parts):
    make_page()
    response = lead_api.patch(
        "/api/v1/pages/acme", json={"name": "Acme Inc", "components": [parts["mail"].public_id]}
    )
    assert response.status_code == 200
    assert response.get_json()["name"] == "Acme Inc"
    assert [c["name"] for c in response.get_json()["components"]] == ["Newsletter"]
    before = snapshot()
    error = error_of(lead_api.patch("/api/v1/pages/acme", json={"slug": "acme-2"}), 400)
    assert error["field"] == "slug"
    error = error_of(lead_api.patch("/api/v1/pages/acme", json={"components": []}), 400)
    assert error["field"] == "components"
    assert snapshot() == before


def test_staff_delete_a_page(lead_api, make_page):
    make_page()
    assert lead_api.send("DELETE", "/api/v1/pages/acme").status_code == 204
    assert db.session.scalar(select(PrivatePage)) is None
    error_of(lead_api.get("/api/v1/pages/acme"), 404)


def test_staff_invite_and_remove_viewers_by_api(lead_api, make_page):
    make_page()
    response = lead_api.post("/api/v1/pages/acme/viewers", json={"email": "ana@acme.example"})
    assert response.status_code == 201
    viewer_id = response.get_json()["id"]
    assert db.session.get(PageViewer, viewer_id).email == "ana@acme.example"
    error_of(lead_api.post("/api/v1/pages/acme/viewers", json={"email": "nope"}), 400)
    error_of(lead_api.post("/api/v1/pages/acme/viewers", json={}), 400)
    error_of(lead_api.send("DELETE", "/api/v1/pages/acme/viewers/999999"), 404)
    assert lead_api.send("DELETE", f"/api/v1/pages/acme/viewers/{viewer_id}").status_code == 204
    assert db.session.get(PageViewer, viewer_id) is None


def test_a_read_token_is_made_by_api_and_opens_the_json(lead_api, make_page, app):
    make_page()
    response = lead_api.post("/api/v1/pages/acme/read-token")
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    token = response.get_json()["token"]
    reader = app.test_client().get(
        "/p/acme/api/v2/summary.json", headers={"Authorization": f"Bearer {token}"}
    )
    assert reader.status_code == 200
    assert lead_api.get("/api/v1/pages/acme").get_json()["has_read_token"] is True


def test_a_staff_viewer_reads_but_may_not_change_pages(api, make_user, make_page, parts):
    make_page()
    viewer = api(make_user("viewer"))
    assert viewer.get("/api/v1/pages").status_code == 200
    before = snapshot()
    error_of(viewer.post("/api/v1/pages/acme/viewers", json={"email": "a@b.example"}), 403)
    error_of(viewer.send("DELETE", "/api/v1/pages/acme"), 403)
    assert snapshot() == before


def test_the_openapi_document_describes_every_pages_route_and_body(lead_api):
    document = lead_api.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/pages"]) == {"get", "post"}
    assert set(paths["/pages/{slug}"]) >= {"get", "patch", "delete"}
    assert "post" in paths["/pages/{slug}/viewers"]
    assert "delete" in paths["/pages/{slug}/viewers/{viewer_id}"]
    assert "post" in paths["/pages/{slug}/read-token"]
    create = paths["/pages"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create["required"] == ["slug", "name", "components"]
    assert create["properties"]["slug"]["maxLength"] == 35
    assert "PrivatePage" in document["components"]["schemas"]
