"""POST /incidents/<id>/publish (idempotent), GET /incidents/<id>/communications and
GET /broadcasts/<id>: one update and one broadcast per audience, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import IncidentUpdate
from core.db import db
from subscribers.models import Broadcast
from subscribers.outbox import expand_broadcast
from tests.api.helpers import error_of, facts
from tests.snapshot import snapshot


@pytest.fixture
def lead(world, api):
    return api(world["lead"])


def declare(client, world, name="Card payments failing") -> str:
    response = client.post(
        "/api/v1/incidents",
        json={
            "name": name,
            "impact": "major",
            "components": {world["api"].public_id: "partial_outage"},
        },
    )
    return response.get_json()["id"]


def draft(client, incident, audiences=("customers", "support", "engineering")) -> dict:
    response = client.post(
        f"/api/v1/incidents/{incident}/drafts",
        json={"status": "identified", "facts": facts(), "audiences": list(audiences)},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def approve_customers(world, api, drafted) -> None:
    [customers] = [d for d in drafted["drafts"] if d["audience"] == "customers"]
    response = api(world["approver"]).post(f"/api/v1/drafts/{customers['id']}/approve")
    assert response.status_code == 200, response.get_json()


def update_count() -> int:
    return db.session.scalar(select(func.count(IncidentUpdate.id)))


def test_publishing_writes_one_update_and_a_broadcast_per_audience(
    app, world, api, lead, make_subscriber
):
    make_subscriber("support@example.com", audience="support")
    make_subscriber("oncall@example.com", audience="engineering")
    make_subscriber("https://hooks.example.com/pager", channel="webhook", audience="engineering")
    incident = declare(lead, world)
    drafted = draft(lead, incident)
    approve_customers(world, api, drafted)
    response = lead.post(f"/api/v1/incidents/{incident}/publish")  # the newest set
    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    assert published["fact_sheet_id"] == drafted["fact_sheet_id"]
    update = published["update"]
    assert set(update) >= {"id", "status", "body", "incident_id", "created_at", "display_at"}
    assert update["incident_id"] == incident and update["status"] == "identified"
    assert update["body"] == drafted["drafts"][0]["page_text"]
    assert update["created_at"].endswith("+00:00")
    broadcasts = {b["audience"]: b for b in published["broadcasts"]}
    assert {a: b["recipients"] for a, b in broadcasts.items()} == {
        "customers": 0,
        "support": 1,
        "engineering": 2,
    }
    assert {b["state"] for b in broadcasts.values()} == {"pending"}
    assert {d["state"] for d in published["drafts"]} == {"published"}
    assert update_count() == 1
    incident_now = lead.get(f"/api/v1/incidents/{incident}").get_json()
    assert incident_now["status"] == "identified" and incident_now["announced_at"]
    assert incident_now["open_fact_sheets"] == []


def test_the_same_key_publishes_once_and_answers_the_same(app, world, api, lead):
    incident = declare(lead, world)
    approve_customers(world, api, draft(lead, incident))
    url, key = f"/api/v1/incidents/{incident}/publish", {"Idempotency-Key": "k-1"}
    first = lead.post(url, headers=key)
    assert first.status_code == 201
    broadcasts = db.session.scalar(select(func.count(Broadcast.id)))
    for _ in range(2):
        again = lead.post(url, headers=key)
        assert again.status_code == 200 and again.get_json() == first.get_json()
    # A retry without the key finds nothing new to publish.
    error = error_of(lead.post(url), 409)
    assert error["code"] == "nothing_to_publish"
    assert update_count() == 1
    assert db.session.scalar(select(func.count(Broadcast.id))) == broadcasts


def test_publishing_a_published_set_again_answers_200_with_the_first_result(app, world, api, lead):
    incident = declare(lead, world)
    drafted = draft(lead, incident)
    approve_customers(world, api, drafted)
    url, body = f"/api/v1/incidents/{incident}/publish", {"fact_sheet_id": drafted["fact_sheet_id"]}
    first = lead.post(url, json=body)
    again = lead.post(url, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert update_count() == 1


def test_a_published_draft_cannot_be_edited_409(app, world, api, lead):
    incident = declare(lead, world)
    drafted = draft(lead, incident)
    approve_customers(world, api, drafted)
    assert lead.post(f"/api/v1/incidents/{incident}/publish").status_code == 201
    engineering = next(d for d in drafted["drafts"] if d["audience"] == "engineering")
    before = snapshot()
    response = lead.patch(f"/api/v1/drafts/{engineering['id']}", json={"page_text": "Changed."})
    error = error_of(response, 409)
    assert error["message"] == "This draft is published; it can no longer be edited."
    assert snapshot() == before


def test_a_key_used_for_another_incident_is_a_409(app, world, api, lead):
    first, second = declare(lead, world), declare(lead, world, "Login errors")
    approve_customers(world, api, draft(lead, first))
    approve_customers(world, api, draft(lead, second))
    key = {"Idempotency-Key": "same"}
    assert lead.post(f"/api/v1/incidents/{first}/publish", headers=key).status_code == 201
    before = snapshot()
    response = lead.post(f"/api/v1/incidents/{second}/publish", headers=key)
    assert error_of(response, 409)["field"] == "Idempotency-Key"
    assert snapshot() == before


def test_one_key_on_two_sets_published_at_once_is_a_409_not_a_500(
    app, world, api, lead, monkeypatch
):
    from sqlalchemy import false

    from app.comms import publishing

    incident = declare(lead, world)
    first = draft(lead, incident)
    approve_customers(world, api, first)
    url, key = f"/api/v1/incidents/{incident}/publish", {"Idempotency-Key": "same"}
    body = {"fact_sheet_id": first["fact_sheet_id"]}
    assert lead.post(url, json=body, headers=key).status_code == 201
    second = draft(lead, incident)
    approve_customers(world, api, second)
    # Both requests looked for the key before either committed: the claim's unique key
    # decides, and the loser hears 409 (it was an IntegrityError, a 500).
    monkeypatch.setattr(publishing, "select", lambda *what: select(*what).where(false()))
    before = snapshot()
    body = {"fact_sheet_id": second["fact_sheet_id"]}
    error = error_of(lead.post(url, json=body, headers=key), 409)
    assert error["code"] == "conflict" and error["field"] == "Idempotency-Key"
    assert "already used" in error["message"]
    assert snapshot() == before


def test_notify_switches_and_a_choice_of_audiences(app, world, api, lead, make_subscriber):
    make_subscriber("support@example.com", audience="support")
    incident = declare(lead, world)
    drafted = draft(lead, incident)
    approve_customers(world, api, drafted)
    response = lead.post(
        f"/api/v1/incidents/{incident}/publish",
        json={"audiences": ["customers", "support"], "notify": {"support": False}},
    )
    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    assert [b["audience"] for b in published["broadcasts"]] == ["customers"]
    assert {d["audience"]: d["notified"] for d in published["drafts"]} == {
        "customers": True,
        "support": False,
    }
    engineering = next(d for d in drafted["drafts"] if d["audience"] == "engineering")
    assert lead.get(f"/api/v1/drafts/{engineering['id']}").get_json()["state"] == "discarded"


def test_drafts_waiting_for_approval_are_not_published(app, world, lead):
    incident = declare(lead, world)
    draft(lead, incident)
    before = snapshot()
    error = error_of(lead.post(f"/api/v1/incidents/{incident}/publish"), 409)
    assert error["code"] == "not_ready" and "customers: waiting for approval" in error["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        ({"notify": ["support"]}, {}, 400, "notify"),
        ({"notify": {"support": "no"}}, {}, 400, "notify"),
        ({"audiences": ["press"]}, {}, 400, "audiences"),
        ({"fact_sheet_id": "nope"}, {}, 404, None),
        ({"fact_sheet_id": 7}, {}, 400, "fact_sheet_id"),
        ({"when": "now"}, {}, 400, "when"),
        ({}, {"Idempotency-Key": "k" * 201}, 400, "Idempotency-Key"),
    ],
)
def test_a_bad_publish_request_changes_nothing(app, world, api, lead, body, headers, status, field):
    incident = declare(lead, world)
    approve_customers(world, api, draft(lead, incident))
    before = snapshot()
    response = lead.post(f"/api/v1/incidents/{incident}/publish", json=body, headers=headers)
    assert error_of(response, status)["field"] == field
    assert snapshot() == before


def test_publishing_for_an_unknown_incident_is_a_404(app, world, lead):
    error_of(lead.post("/api/v1/incidents/nope/publish"), 404)


def test_the_communication_log_as_json_csv_and_markdown(app, world, api, lead, make_subscriber):
    make_subscriber("support@example.com", audience="support")
    incident = declare(lead, world)
    approve_customers(world, api, draft(lead, incident))
    published = lead.post(f"/api/v1/incidents/{incident}/publish").get_json()
    viewer = api(world["viewer"])
    log = viewer.get(f"/api/v1/incidents/{incident}/communications").get_json()
    assert log["incident_id"] == incident
    assert isinstance(log["time_to_first_public_update"], float)
    assert log["time_to_first_public_update"] >= 0
    assert log["first_public_update_at"] == published["update"]["display_at"]
    updates = [e for e in log["entries"] if e["kind"] == "update"]
    assert {e["audience"] for e in updates} == {"customers", "support", "engineering"}
    support = next(e for e in updates if e["audience"] == "support")
    assert support["drafted_by"] == world["lead"].email
    assert support["published_by"] == world["lead"].email
    csv = viewer.get(f"/api/v1/incidents/{incident}/communications?format=csv")
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).startswith("time,kind,audience,summary,recipients")
    markdown = viewer.get(f"/api/v1/incidents/{incident}/communications?format=markdown")
    assert markdown.mimetype == "text/markdown"
    assert markdown.get_data(as_text=True).startswith("# Communication log: Card payments failing")
    error = error_of(viewer.get(f"/api/v1/incidents/{incident}/communications?format=pdf"), 400)
    assert error["field"] == "format"
    error_of(viewer.get("/api/v1/incidents/nope/communications"), 404)


def test_broadcast_progress(app, world, api, lead, make_subscriber):
    make_subscriber("one@example.com", audience="support")
    make_subscriber("two@example.com", audience="support")
    incident = declare(lead, world)
    approve_customers(world, api, draft(lead, incident))
    published = lead.post(f"/api/v1/incidents/{incident}/publish").get_json()
    support = next(b for b in published["broadcasts"] if b["audience"] == "support")
    viewer = api(world["viewer"])
    progress = viewer.get(f"/api/v1/broadcasts/{support['id']}").get_json()
    assert progress["id"] == support["id"] and progress["state"] == "pending"
    assert progress["recipients"] == 2 and progress["remaining"] == 0
    expand_broadcast(int(support["id"]))
    progress = viewer.get(f"/api/v1/broadcasts/{support['id']}").get_json()
    assert progress["state"] == "sending" and progress["recipients"] == 2
    assert progress["remaining"] == 2 and progress["sent"] == progress["failed"] == 0
    assert progress["by_state"] == {"queued": 2} and progress["retrying"] == 0
    for missing in ("99999", "abc", "1" * 30):
        error_of(viewer.get(f"/api/v1/broadcasts/{missing}"), 404)


def test_publishing_answers_how_many_addresses_each_audience_reaches_per_channel(
    app, world, api, lead, make_subscriber
):
    # One person by email and SMS: one person, two messages.
    make_subscriber("support@example.com", audience="support", name="Sam Support")
    make_subscriber("+447911123456", channel="sms", audience="support", name="Sam Support")
    make_subscriber("oncall@example.com", audience="engineering")
    incident = declare(lead, world)
    drafted = draft(lead, incident)
    approve_customers(world, api, drafted)
    response = lead.post(
        f"/api/v1/incidents/{incident}/publish", json={"notify": {"engineering": False}}
    )
    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    reach = {d["audience"]: d["reach"] for d in published["drafts"]}
    assert reach == {"customers": {}, "support": {"email": 1, "sms": 1}, "engineering": {}}
    assert published["reach"] == 2
    people = {d["audience"]: d["people"] for d in published["drafts"]}
    assert people == {"customers": 0, "support": 1, "engineering": 0}
    assert published["people"] == 1
    # The same call again answers the same figures.
    again = lead.post(
        f"/api/v1/incidents/{incident}/publish",
        json={"fact_sheet_id": published["fact_sheet_id"]},
    ).get_json()
    assert again["reach"] == 2


def test_the_openapi_document_shows_the_publish_answers_reach(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    published = document["components"]["schemas"]["Published"]["properties"]
    assert published["reach"]["type"] == "integer"
    assert published["people"]["type"] == "integer"
    item = published["drafts"]["items"]["properties"]
    assert item["reach"]["additionalProperties"] == {"type": "integer"}
    assert item["people"]["type"] == "integer"


def test_the_teams_draft_goes_out_as_a_broadcast_per_team_and_the_answer_says_so(
    app, world, api, lead
):
    from app import accounts
    from subscribers import registry

    platform = accounts.create_team(None, "Platform")
    world["api"].team_id = platform.id
    registry.add_internal("email", "platform@example.com", "engineering", team_id=platform.id)
    db.session.commit()
    incident = declare(lead, world)
    drafted = draft(lead, incident, audiences=("customers", "engineering", "teams"))
    approve_customers(world, api, drafted)
    published = lead.post(f"/api/v1/incidents/{incident}/publish").get_json()
    [teams] = [d for d in published["drafts"] if d["audience"] == "teams"]
    assert teams["notified"] is True and teams["reach"] == {"email": 1}
    [to_platform] = [b for b in published["broadcasts"] if b.get("team")]
    assert to_platform["team"] == "Platform" and to_platform["draft_id"] == teams["id"]
    shown = lead.get(f"/api/v1/drafts/{teams['id']}").get_json()
    assert shown["broadcast_id"] is None
    assert shown["team_broadcasts"] == [{"team": "Platform", "broadcast_id": to_platform["id"]}]
    broadcast = db.session.get(Broadcast, int(to_platform["id"]))
    assert broadcast.subject.startswith("Platform: affected · Card payments failing")
    # Resolving with only the teams is refused with the reason: Herald tells them itself.
    refused = lead.post(
        f"/api/v1/incidents/{incident}/drafts",
        json={"status": "resolved", "facts": facts(), "audiences": ["teams"]},
    )
    assert "Herald tells every team itself" in error_of(refused, 400)["message"]
