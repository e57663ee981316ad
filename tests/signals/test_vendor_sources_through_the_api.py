"""The management API for vendor sources: 201 with the id, 400 naming the field, 404,
403 for roles that do not manage components, and GET with the vendor's current view."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.api.tokens import create_token
from app.models import AuditEvent, ComponentSignal, VendorSource
from app.signals.polling import poll_due
from app.signals.vendors import handle
from core.db import db
from core.time import utcnow
from tests.api.helpers import ApiClient, error_of
from tests.signals.vendor_fake import FakeVendor, statuspage_summary
from tests.signals.vendor_world import ensure_suggestions_can_be_notified

PATH = "/api/v2/summary.json"


@pytest.fixture
def api(app, make_user):
    def client(role: str = "admin") -> ApiClient:
        _, plain = create_token(make_user(role), "test")
        db.session.commit()
        return ApiClient(app.test_client(), plain)

    return client


@pytest.fixture
def vendor():
    with FakeVendor() as fake:
        fake.documents[PATH] = statuspage_summary(
            {"Card Authorisation": "degraded_performance", "Dashboard": "operational"},
            [
                {
                    "id": "inc9",
                    "name": "Slow card checks",
                    "impact": "minor",
                    "components": ["Card Authorisation"],
                    "updates": [("investigating", "Checks are slow.", "2026-12-07T08:00:00Z")],
                }
            ],
        )
        yield fake


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(VendorSource))


def test_a_source_is_made_polled_read_edited_and_deleted(api, vendor, make_component):
    ensure_suggestions_can_be_notified()
    payments = make_component("Payments")
    admin = api("admin")
    made = admin.post(
        "/api/v1/vendor-sources",
        json={
            "name": "Acme Payments",
            "url": vendor.url + PATH,
            "kind": "statuspage",
            "components": {"Card Authorisation": payments.public_id},
            "poll_seconds": 45,
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    source_id = body["id"]
    assert body["state"] == "new" and body["poll_seconds"] == 45
    assert body["components"] == {
        "Card Authorisation": {"id": payments.public_id, "name": "Payments"}
    }
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
        "vendor_source.create"
    )

    poll_due(VendorSource, handle, now=utcnow())
    shown = api("viewer").get(f"/api/v1/vendor-sources/{source_id}").get_json()
    assert shown["state"] == "ok" and shown["last_error"] == ""
    assert shown["last_polled_at"] and shown["last_success_at"]
    assert shown["vendor"]["components"] == [
        {"name": "Card Authorisation", "status": "degraded_performance"},
        {"name": "Dashboard", "status": "operational"},
    ]
    assert shown["vendor"]["incidents"] == [
        {
            "name": "Slow card checks",
            "status": "investigating",
            "impact": "minor",
            "link": "https://stspg.example/inc9",
            "updated_at": "2026-12-07T08:00:00.000Z",
        }
    ]
    listed = admin.get("/api/v1/vendor-sources").get_json()["vendor_sources"]
    assert [s["id"] for s in listed] == [source_id]

    edited = admin.patch(
        f"/api/v1/vendor-sources/{source_id}", json={"name": "Acme", "poll_seconds": 120}
    )
    assert edited.status_code == 200 and edited.get_json()["name"] == "Acme"

    assert db.session.scalar(select(func.count()).select_from(ComponentSignal)) == 1
    deleted = admin.send("DELETE", f"/api/v1/vendor-sources/{source_id}")
    assert deleted.status_code == 204
    assert count() == 0
    assert db.session.scalar(select(func.count()).select_from(ComponentSignal)) == 0
    error_of(admin.get(f"/api/v1/vendor-sources/{source_id}"), 404)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "https://status.example.com/api/v2/summary.json"}, "name"),
        ({"name": "X"}, "url"),
        ({"name": "X", "url": "ftp://status.example.com"}, "url"),
        ({"name": "X", "url": "https://a.example", "kind": "carrier-pigeon"}, "kind"),
        ({"name": "X", "url": "https://a.example", "poll_seconds": 5}, "poll_seconds"),
        ({"name": "X", "url": "https://a.example", "poll_seconds": "often"}, "poll_seconds"),
        ({"name": "X", "url": "https://a.example", "components": ["API"]}, "components"),
        ({"name": "X", "url": "https://a.example", "components": {"API": "nope"}}, "components"),
        ({"name": "X\nY", "url": "https://a.example"}, "name"),
        (
            {"name": "X", "url": "https://a.example", "kind": "feed", "components": {"A": 1}},
            "components",
        ),
        ({"name": "X", "url": "https://a.example", "colour": "red"}, "colour"),
    ],
)
def test_bad_bodies_answer_400_and_change_nothing(api, make_component, body, field):
    make_component("API")
    error = error_of(api("admin").post("/api/v1/vendor-sources", json=body), 400)
    assert error["field"] == field
    assert count() == 0


def test_only_component_managers_change_sources(api):
    for role in ("comms_lead", "responder", "viewer"):
        error_of(
            api(role).post(
                "/api/v1/vendor-sources", json={"name": "X", "url": "https://a.example"}
            ),
            403,
        )
    assert api("viewer").get("/api/v1/vendor-sources").status_code == 200
    error_of(api("admin").send("DELETE", "/api/v1/vendor-sources/nope"), 404)
    error_of(api("admin").patch("/api/v1/vendor-sources/nope", json={}), 404)


def test_a_duplicate_name_is_a_conflict(api):
    admin = api("admin")
    first = {"name": "Acme", "url": "https://a.example"}
    assert admin.post("/api/v1/vendor-sources", json=first).status_code == 201
    error = error_of(admin.post("/api/v1/vendor-sources", json={**first, "name": "acme"}), 409)
    assert error["field"] == "name"


def test_a_deeply_nested_body_is_refused_before_any_lookup(api):
    admin = api("admin")
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    for method, url in (
        ("POST", "/api/v1/vendor-sources"),
        ("PATCH", "/api/v1/vendor-sources/999999"),
        ("DELETE", "/api/v1/vendor-sources/999999"),
    ):
        response = admin.send(method, url, data=deep, content_type="application/json")
        assert "nested" in error_of(response, 400)["message"], (method, url)
