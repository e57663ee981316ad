"""The public JSON API: Statuspage's v2 paths, field names and values, so its clients work."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from app.public.api_v2 import ENDPOINTS
from app.status.components import set_component_status
from core.db import db

PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_FIELDS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
}
INCIDENT_FIELDS = {
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
}
UPDATE_FIELDS = {
    "id",
    "status",
    "body",
    "incident_id",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
}
LISTS = {
    "summary": "components",
    "status": "status",
    "components": "components",
    "incidents": "incidents",
    "incidents/unresolved": "incidents",
    "scheduled-maintenances": "scheduled_maintenances",
    "scheduled-maintenances/upcoming": "scheduled_maintenances",
    "scheduled-maintenances/active": "scheduled_maintenances",
}
TIME_FIELDS = {"scheduled_for", "scheduled_until"}


def get_json(client, name: str) -> dict:
    response = client.get(f"/api/v2/{name}.json")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    return response.get_json()


def all_times(data):
    """Every (field, value) that holds a time, anywhere in ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and (key.endswith("_at") or key in TIME_FIELDS):
                yield key, value
            else:
                yield from all_times(value)
    elif isinstance(data, list):
        for item in data:
            yield from all_times(item)


@pytest.fixture
def state(make_component):
    """A small page: a group, public and internal components, incidents and maintenance."""
    now = utcnow()
    card = make_component("Card payments", group="Payments", description="Card auth")
    make_component("Payouts", group="Payments")
    ledger = make_component("Ledger", group="Payments", visibility="internal")
    website = make_component("Website")
    outage = declare_incident(
        None,
        "Card declines",
        "major",
        {card: "partial_outage", ledger: "major_outage"},
        body="Declines are up.",
        started_at=now - timedelta(minutes=30),
        reviewed=True,
    )
    post_incident_update(
        None, outage, "monitoring", "A fix is out.", at=now - timedelta(minutes=5), reviewed=True
    )
    declare_incident(
        None,
        "Ledger drift",
        "minor",
        {ledger: "degraded_performance"},
        body="Staff only.",
        visibility="internal",
        reviewed=True,
    )
    old = declare_incident(
        None,
        "Old blip",
        "minor",
        {website: "degraded_performance"},
        body="Website slow.",
        started_at=now - timedelta(days=3),
        reviewed=True,
    )
    post_incident_update(
        None, old, "resolved", "Fine now.", at=now - timedelta(days=3, hours=-1), reviewed=True
    )
    schedule_maintenance(
        None,
        "Ledger migration",
        now - timedelta(minutes=10),
        now + timedelta(hours=1),
        [website, ledger],
        body="Migrating.",
    )
    schedule_maintenance(
        None,
        "Payout bank switch",
        now + timedelta(days=2),
        now + timedelta(days=2, hours=2),
        [card],
        body="Switching banks.",
    )
    db.session.commit()
    return {"outage": outage, "card": card, "ledger": ledger}


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_every_endpoint_answers_with_the_page_and_its_list_and_allows_any_origin(
    client, state, name
):
    response = client.get(f"/api/v2/{name}.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert set(data["page"]) == PAGE_FIELDS
    assert LISTS[name] in data


def test_the_page_and_status_objects_have_statuspage_fields(client, state):
    data = get_json(client, "status")
    assert data["page"] == {
        "id": "herald",
        "name": "Herald Status",
        "url": "https://status.example.com",
        "time_zone": "Etc/UTC",
        "updated_at": data["page"]["updated_at"],
    }
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}


def test_components_and_groups_have_statuspage_fields_and_only_public_members(client, state):
    components = get_json(client, "components")["components"]
    names = [c["name"] for c in components]
    assert names == ["Payments", "Card payments", "Payouts", "Website"]
    group = components[0]
    assert set(group) == COMPONENT_FIELDS | {"components"}
    assert group["group"] is True and group["status"] == "partial_outage"
    assert group["components"] == [components[1]["id"], components[2]["id"]]
    for component in components[1:]:
        assert set(component) == COMPONENT_FIELDS
        assert component["group"] is False
        assert component["page_id"] == "herald"
        assert isinstance(component["showcase"], bool)
        assert isinstance(component["position"], int)
        date.fromisoformat(component["start_date"])
    card = components[1]
    assert card["group_id"] == group["id"]
    assert card["status"] == "partial_outage"
    assert card["description"] == "Card auth"
    assert components[3]["group_id"] is None
    assert components[3]["description"] is None
    assert components[3]["status"] == "under_maintenance"
    assert state["ledger"].public_id not in str(components)


def test_incidents_have_statuspage_fields_and_updates_newest_first(client, state):
    incidents = get_json(client, "incidents")["incidents"]
    assert [i["name"] for i in incidents] == ["Card declines", "Old blip"]
    outage = incidents[0]
    assert set(outage) >= INCIDENT_FIELDS
    assert outage["id"] == state["outage"].public_id
    assert outage["status"] == "monitoring" and outage["impact"] == "major"
    assert outage["shortlink"] == f"https://status.example.com/incidents/{outage['id']}"
    assert outage["monitoring_at"] is not None and outage["resolved_at"] is None
    assert [c["name"] for c in outage["components"]] == ["Card payments"]
    assert set(outage["components"][0]) == COMPONENT_FIELDS
    updates = outage["incident_updates"]
    assert [u["body"] for u in updates] == ["A fix is out.", "Declines are up."]
    for update in updates:
        assert set(update) >= UPDATE_FIELDS
        assert update["incident_id"] == outage["id"]
        assert isinstance(update["deliver_notifications"], bool)
    declared = updates[1]["affected_components"]
    assert declared == [
        {
            "code": state["card"].public_id,
            "name": "Card payments",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    assert incidents[1]["resolved_at"] is not None and incidents[1]["status"] == "resolved"


def test_unresolved_incidents_leave_out_the_resolved_ones(client, state):
    unresolved = get_json(client, "incidents/unresolved")["incidents"]
    assert [i["name"] for i in unresolved] == ["Card declines"]
    assert [i["name"] for i in get_json(client, "summary")["incidents"]] == ["Card declines"]


def test_maintenance_has_the_incident_fields_plus_its_window(client, state):
    everything = get_json(client, "scheduled-maintenances")["scheduled_maintenances"]
    assert {m["name"] for m in everything} == {"Ledger migration", "Payout bank switch"}
    for window in everything:
        assert set(window) >= INCIDENT_FIELDS | {"scheduled_for", "scheduled_until"}
        assert window["impact"] == "maintenance"
        assert window["shortlink"].endswith(f"/maintenance/{window['id']}")
        start = datetime.fromisoformat(window["scheduled_for"])
        assert datetime.fromisoformat(window["scheduled_until"]) > start
    active = get_json(client, "scheduled-maintenances/active")["scheduled_maintenances"]
    upcoming = get_json(client, "scheduled-maintenances/upcoming")["scheduled_maintenances"]
    assert [(m["name"], m["status"]) for m in active] == [("Ledger migration", "in_progress")]
    assert [(m["name"], m["status"]) for m in upcoming] == [("Payout bank switch", "scheduled")]
    assert [c["name"] for c in active[0]["components"]] == ["Website"]
    summary = get_json(client, "summary")["scheduled_maintenances"]
    assert [m["name"] for m in summary] == ["Ledger migration", "Payout bank switch"]


def test_internal_components_and_incidents_are_nowhere_in_the_public_json(client, state):
    for name in ENDPOINTS:
        text = client.get(f"/api/v2/{name}.json").get_data(as_text=True)
        assert "Ledger drift" not in text and "Staff only." not in text, name
        assert '"Ledger"' not in text and state["ledger"].public_id not in text, name


def test_every_time_is_iso_8601_with_an_offset(client, state):
    seen = 0
    for name in ENDPOINTS:
        for field, value in all_times(get_json(client, name)):
            moment = datetime.fromisoformat(value)
            assert moment.tzinfo is not None, (name, field, value)
            assert value.endswith("+00:00"), value
            seen += 1
    assert seen > 50


def test_times_carry_the_page_time_zone_offset_and_the_same_instant(app, client, make_component):
    app.config["TIME_ZONE"] = "America/New_York"
    api = make_component("API")
    started = datetime(utcnow().year - 1, 1, 15, 17, 30, tzinfo=UTC)  # winter: UTC-5
    incident = declare_incident(
        None,
        "Winter outage",
        "minor",
        {api: "partial_outage"},
        body="Down.",
        started_at=started,
        reviewed=True,
    )
    post_incident_update(
        None, incident, "resolved", "Up.", at=started + timedelta(hours=1), reviewed=True
    )
    db.session.commit()
    data = get_json(client, "incidents")
    assert data["page"]["time_zone"] == "America/New_York"
    winter = data["incidents"][0]
    assert winter["started_at"] == f"{started.year}-01-15T12:30:00.000-05:00"
    assert datetime.fromisoformat(winter["resolved_at"]) == started + timedelta(hours=1)


def test_incidents_json_lists_the_fifty_most_recent(client, make_component):
    now = utcnow()
    for n in range(55):
        declare_incident(
            None,
            f"Incident {n:02d}",
            "none",
            {},
            body="Noted.",
            started_at=now - timedelta(hours=55 - n),
            reviewed=True,
        )
    db.session.commit()
    names = [i["name"] for i in get_json(client, "incidents")["incidents"]]
    assert names == [f"Incident {n:02d}" for n in range(54, 4, -1)]


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v2/nothing.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_the_page_updated_at_moves_when_the_page_changes(client, make_component):
    api = make_component("API")
    before = get_json(client, "status")["page"]["updated_at"]
    set_component_status(None, api, "partial_outage")
    db.session.commit()
    after = get_json(client, "status")["page"]["updated_at"]
    assert datetime.fromisoformat(after) > datetime.fromisoformat(before)
    assert get_json(client, "components")["components"][0]["status"] == "partial_outage"


# A client written for Statuspage ----------------------------------------------------------


def read_statuspage(summary: dict) -> dict:
    """What a typical Statuspage reader (a chat bot, a dashboard widget) takes from
    summary.json, written against Statuspage's documentation and nothing of Herald's."""
    components = {c["id"]: c for c in summary["components"]}
    return {
        "headline": f"{summary['page']['name']}: {summary['status']['description']}",
        "red": summary["status"]["indicator"] in ("major", "critical"),
        "broken": sorted(
            c["name"]
            for c in summary["components"]
            if not c["group"] and c["status"] != "operational"
        ),
        "groups": {
            c["name"]: [components[i]["name"] for i in c["components"]]
            for c in summary["components"]
            if c["group"]
        },
        "incidents": [
            {
                "title": f"[{i['impact'].upper()}] {i['name']} ({i['status']})",
                "latest": i["incident_updates"][0]["body"],
                "link": i["shortlink"],
                "affects": [c["name"] for c in i["components"]],
                "since": datetime.fromisoformat(i["started_at"].replace("Z", "+00:00")),
            }
            for i in summary["incidents"]
        ],
        "maintenance": [
            (m["name"], m["status"], datetime.fromisoformat(m["scheduled_for"]))
            for m in summary["scheduled_maintenances"]
        ],
    }


def test_a_client_written_for_statuspage_reads_herald_unchanged(client, state):
    seen = read_statuspage(get_json(client, "summary"))
    assert seen["headline"] == "Herald Status: Partial System Outage"
    assert seen["red"] is True
    assert seen["broken"] == ["Card payments", "Website"]
    assert seen["groups"] == {"Payments": ["Card payments", "Payouts"]}
    [incident] = seen["incidents"]
    assert incident["title"] == "[MAJOR] Card declines (monitoring)"
    assert incident["latest"] == "A fix is out."
    assert incident["link"].startswith("https://status.example.com/incidents/")
    assert incident["affects"] == ["Card payments"]
    assert utcnow() - timedelta(hours=1) < incident["since"] < utcnow()
    assert [(name, status) for name, status, _ in seen["maintenance"]] == [
        ("Ledger migration", "in_progress"),
        ("Payout bank switch", "scheduled"),
    ]
