"""PATCH /components/<id> and POST/GET /incidents: the services' rules, Statuspage's
shapes, ids as the public JSON shows them; bad input is a 400 and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Incident, utcnow
from core.db import db
from tests.api.helpers import error_of
from tests.snapshot import snapshot


def test_a_responder_sets_a_components_status(app, world, api, client):
    response = api(world["responder"]).patch(
        f"/api/v1/components/{world['api'].public_id}", json={"status": "major_outage"}
    )
    assert response.status_code == 200
    component = response.get_json()
    assert component["id"] == world["api"].public_id
    assert component["status"] == component["own_status"] == "major_outage"
    assert component["updated_at"].endswith("+00:00")
    assert world["api"].status == "major_outage"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "component.status"))
    assert event.one().actor == world["responder"].email
    public = client.get("/api/v2/components.json").get_json()["components"]
    assert {c["id"]: c["status"] for c in public}[world["api"].public_id] == "major_outage"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"status": "on_fire"}, "status", "must be one of"),
        ({}, "status", "required"),
        ({"status": 3}, "status", "must be a string"),
        ({"status": "major_outage", "name": "x"}, "name", "Unknown field"),
    ],
)
def test_a_bad_status_is_a_400_and_changes_nothing(app, world, api, body, field, words):
    client = api(world["responder"])
    before = snapshot()
    response = client.patch(f"/api/v1/components/{world['api'].public_id}", json=body)
    error = error_of(response, 400)
    assert error["field"] == field and words in error["message"]
    assert snapshot() == before


def test_an_unknown_component_is_a_404(app, world, api):
    response = api(world["responder"]).patch(
        "/api/v1/components/nope", json={"status": "major_outage"}
    )
    error = error_of(response, 404)
    assert error["code"] == "not_found" and "'nope'" in error["message"]


def test_declaring_answers_201_with_the_incident_and_where_it_lives(app, world, api):
    started = (utcnow() - timedelta(minutes=10)).astimezone().isoformat()
    response = api(world["responder"]).post(
        "/api/v1/incidents",
        json={
            "name": "Slow checkout",
            "impact": "minor",
            "components": [{"id": world["db"].public_id, "status": "degraded_performance"}],
            "visibility": "internal",
            "started_at": started,
            "body": "Checkout is slow; we are looking into it.",
        },
    )
    assert response.status_code == 201, response.get_json()
    incident = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/incidents/{incident['id']}")
    assert incident["name"] == "Slow checkout" and incident["visibility"] == "internal"
    assert incident["impact"] == "minor" and incident["status"] == "investigating"
    assert incident["created_by"] == world["responder"].email
    # An internal incident: the message is the update's internal text.
    [update] = incident["incident_updates"]
    assert update["body"] == ""
    assert update["internal_body"] == "Checkout is slow; we are looking into it."
    assert incident["body_visibility"] == "internal"
    assert incident["body_note"].startswith("The incident is internal")
    assert update["affected_components"][0]["new_status"] == "degraded_performance"
    assert [c["id"] for c in incident["components"]] == [world["db"].public_id]
    stored = db.session.scalars(select(Incident)).one()
    assert abs(stored.started_at - utcnow() + timedelta(minutes=10)) < timedelta(seconds=5)
    assert world["db"].status == "degraded_performance"


def test_a_declaration_s_body_waits_for_approval_when_customers_need_it(app, world, api, client):
    from subscribers.models import Broadcast

    response = api(world["responder"]).post(
        "/api/v1/incidents",
        json={
            "name": "Card payments failing",
            "impact": "major",
            "components": {world["api"].public_id: "partial_outage"},
            "body": "Processor node pay-7 is down.",
        },
    )
    assert response.status_code == 201, response.get_json()
    incident = response.get_json()
    assert incident["body_visibility"] == "internal"
    assert incident["body_note"].startswith("Customers need approval")
    assert f"/api/v1/incidents/{incident['id']}/drafts" in incident["body_note"]
    [update] = incident["incident_updates"]
    assert (update["body"], update["internal_body"]) == ("", "Processor node pay-7 is down.")
    assert incident["announced_at"] is None
    assert (
        db.session.scalar(select(Broadcast).where(Broadcast.audience.has(key="customers"))) is None
    )
    summary = client.get("/api/v2/summary.json").get_json()
    [listed] = summary["incidents"]
    assert listed["name"] == "Card payments failing" and listed["incident_updates"] == []
    assert "pay-7" not in client.get("/api/v2/summary.json").get_data(as_text=True)
    assert "pay-7" not in client.get("/").get_data(as_text=True)


def test_a_declaration_s_body_is_public_when_customers_need_no_approval(app, world, api, client):
    from subscribers.audiences import get_audience
    from subscribers.models import Broadcast

    get_audience("customers").needs_approval = False
    db.session.commit()
    response = api(world["responder"]).post(
        "/api/v1/incidents",
        json={
            "name": "Card payments failing",
            "impact": "major",
            "components": {world["api"].public_id: "partial_outage"},
            "body": "Some card payments fail.",
        },
    )
    incident = response.get_json()
    assert incident["body_visibility"] == "public" and incident["announced_at"]
    [update] = incident["incident_updates"]
    assert update["body"] == "Some card payments fail."
    [notice] = db.session.scalars(
        select(Broadcast).where(Broadcast.audience.has(key="customers"))
    ).all()
    assert "Some card payments fail." in notice.text_body
    assert "Some card payments fail." in client.get("/api/v2/summary.json").get_data(as_text=True)


def test_an_incident_is_read_back_by_its_public_id(app, world, api):
    lead = api(world["lead"])
    created = lead.post(
        "/api/v1/incidents",
        json={"name": "Login errors", "impact": "major", "components": {}},
    ).get_json()
    response = api(world["viewer"]).get(f"/api/v1/incidents/{created['id']}")
    assert response.status_code == 200
    incident = response.get_json()
    assert incident["id"] == created["id"] and incident["name"] == "Login errors"
    assert incident["shortlink"].endswith(f"/incidents/{created['id']}")
    assert incident["announced_at"] is None and incident["open_fact_sheets"] == []
    error_of(api(world["viewer"]).get("/api/v1/incidents/nope"), 404)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"started_at": "2026-11-28T14:30:00"}, "started_at", "no UTC offset"),
        ({"started_at": "2026-11-28"}, "started_at", "time of day"),
        ({"started_at": "yesterday"}, "started_at", "not an ISO 8601 time"),
        ({"impact": "apocalyptic"}, "impact", "Impact must be one of"),
        ({"visibility": "secret"}, "visibility", "Visibility must be one of"),
        ({"name": "  "}, "name", "needs a name"),
        ({"name": None}, "name", "required"),
        ({"name": "Payments down\n\nBcc: all"}, "name", "contains a line break"),
        ({"name": "Payments\x00down"}, "name", "control character (U+0000"),
        ({"components": {"nope": "major_outage"}}, "components", "No component with id"),
        ({"components": "API"}, "components", "must map component ids"),
        ({"components": [{"id": "x"}]}, "components", "must be an object"),
        ({"deliver_notifications": "yes"}, "deliver_notifications", "true or false"),
        ({"severity": "high"}, "severity", "Unknown field"),
    ],
)
def test_a_bad_declaration_is_a_400_and_changes_nothing(app, world, api, changes, field, words):
    client = api(world["lead"])
    body = {
        "name": "Card payments failing",
        "impact": "major",
        "components": {world["api"].public_id: "partial_outage"},
        **changes,
    }
    before = snapshot()
    error = error_of(client.post("/api/v1/incidents", json=body), 400)
    assert error["field"] == field and words in error["message"], error
    assert snapshot() == before


def test_a_bad_component_status_in_a_declaration_changes_nothing(app, world, api):
    client = api(world["lead"])
    before = snapshot()
    response = client.post(
        "/api/v1/incidents",
        json={
            "name": "X",
            "impact": "minor",
            "components": {world["api"].public_id: "major_outage", world["db"].public_id: "meh"},
        },
    )
    assert error_of(response, 400)["field"] == "components"
    assert snapshot() == before
    assert world["api"].status == "operational"
