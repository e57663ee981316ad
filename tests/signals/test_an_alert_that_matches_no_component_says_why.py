"""An alert whose herald_component names no component is still taken (Alertmanager must
get a 2xx, or it retries for ever), but nothing hides the likely typo: the answer lists
it with the component names closest to the value, the integration's page shows the value,
the closest names and a link to add a rule, and does not claim a status it applies
nowhere. A critical one still suggests an incident (someone must find what is down), and
the suggestion says that the label matched nothing and names the value. A body that is
not JSON is refused like every other bad body: the reason, the field, nothing changed."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.api.openapi import DOCUMENT
from core.db import db
from subscribers.models import Broadcast
from tests.signals.alert_payloads import alertmanager, am_alert, signed
from tests.signals.alert_setup import alerts, integration, post_alertmanager, suggestions
from tests.snapshot import snapshot


@pytest.fixture
def components(app, audiences, make_component):
    return {name: make_component(name) for name in ("API", "Card payments", "Dashboard")}


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def alert_row(body: str, alert_id: int) -> str:
    row = re.search(rf'<tr id="alert-{alert_id}">(.*?)</tr>', body, re.S).group(1)
    return row


def test_the_answer_names_each_unmatched_alert_its_value_and_the_closest_names(components, client):
    _, token = integration(min_firing_seconds=0)
    payload = alertmanager(
        am_alert("CardErrors", fingerprint="a1", herald_component="Card paymnets"),
        am_alert("Nothing", fingerprint="b2", herald_component="Nonexistent thing"),
        am_alert("Unlabelled", fingerprint="c3"),
        am_alert("ApiDown", fingerprint="d4", herald_component="API"),
    )

    response = post_alertmanager(client, token, payload)

    assert response.status_code == 200
    assert response.get_json() == {
        "accepted": 4,
        "unmatched": [
            {
                "fingerprint": "a1",
                "herald_component": "Card paymnets",
                "hint": "no component with that id or name; closest: Card payments",
            },
            {
                "fingerprint": "b2",
                "herald_component": "Nonexistent thing",
                "hint": "no component with that id or name; no component name is close",
            },
            {
                "fingerprint": "c3",
                "herald_component": None,
                "hint": "no herald_component given, and no rule of this integration "
                "matches its labels",
            },
        ],
    }
    # All four are kept, the unmatched ones too.
    assert len(alerts()) == 4


def test_a_fully_matched_delivery_answers_as_before(components, client):
    _, token = integration(min_firing_seconds=0)
    payload = alertmanager(am_alert(herald_component="card payments"))
    assert post_alertmanager(client, token, payload).get_json() == {"accepted": 1}


def test_the_monitor_webhook_says_the_same_of_its_component(components, client):
    _, secret = integration("monitor", "Kuma", min_firing_seconds=0)
    raw, headers = signed(secret, {"id": "dash", "component": "Dashbord", "status": "firing"})
    response = client.post("/webhooks/monitor", data=raw, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["unmatched"] == [
        {
            "fingerprint": "dash",
            "herald_component": "Dashbord",
            "hint": "no component with that id or name; closest: Dashboard",
        }
    ]


def test_a_critical_unmatched_alert_suggests_an_incident_that_names_the_value(components, client):
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    payload = alertmanager(
        am_alert("CardErrors", severity="critical", herald_component="Card paymnets")
    )
    post_alertmanager(client, token, payload)

    [suggestion] = suggestions()
    assert suggestion.component_statuses == {}
    first = suggestion.facts.split("\n\n")[0]
    assert first == (
        "Prometheus alert CardErrors is firing: its herald_component label “Card paymnets” "
        "matched no component (closest: Card payments)."
    )
    # The incident team's notice carries it (the engineers hear of every suggestion).
    notices = db.session.scalars(select(Broadcast).where(Broadcast.kind == "suggestion")).all()
    assert "engineering" in {n.audience.key for n in notices}
    for notice in notices:
        assert "its herald_component label “Card paymnets” matched no component" in (
            notice.text_body
        )


def test_the_integration_page_shows_the_value_the_closest_names_and_a_link_to_add_a_rule(
    components, client, staff, make_user
):
    made, token = integration(min_firing_seconds=0)
    post_alertmanager(
        client,
        token,
        alertmanager(
            am_alert(
                "CardErrors",
                fingerprint="a1",
                severity="critical",
                herald_component="Card paymnets",
            ),
            am_alert("ApiDown", fingerprint="d4", severity="critical", herald_component="API"),
            am_alert("Unlabelled", fingerprint="c3", severity="critical"),
        ),
    )
    by_name = {a.name: a for a in alerts()}
    assert by_name["CardErrors"].counts  # it counts, but toward nothing
    admin = staff(make_user("admin"))

    body = page(admin.get(f"/admin/integrations/{made.id}"))

    typo = alert_row(body, by_name["CardErrors"].id)
    assert "matches no component" in typo
    assert "counts:" not in typo
    assert "herald_component</code> “Card paymnets”" in typo
    assert "closest: Card payments" in typo
    link = (
        f"/admin/integrations/{made.id}?{urlencode({'matchers': 'herald_component=Card paymnets'})}"
    )
    assert f'href="{link}#add-rule">Add a rule…</a>' in typo
    unlabelled = alert_row(body, by_name["Unlabelled"].id)
    assert "no <code>herald_component</code> given, and no rule matches its labels" in unlabelled
    assert "matchers=alertname%3DUnlabelled#add-rule" in unlabelled
    matched = alert_row(body, by_name["ApiDown"].id)
    assert "counts: Major outage" in matched and "matches no component" not in matched
    # The page's title is the integration's name, nothing else.
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert "Revoke" not in title and "Prometheus · Integrations" in title

    # Following the link fills in the new rule's labels, for staff to pick the component.
    form = page(admin.get(link))
    textarea = re.search(r'<textarea[^>]*name="matchers"[^>]*>(.*?)</textarea>', form, re.S)
    assert textarea.group(1).strip() == "herald_component=Card paymnets"
    assert 'id="add-rule"' in form


def test_the_openapi_document_describes_the_unmatched_answer():
    schemas = DOCUMENT["components"]["schemas"]
    answer = schemas["AlertDeliveryAnswer"]
    assert answer["required"] == ["accepted"]
    assert answer["properties"]["unmatched"]["items"] == {
        "$ref": "#/components/schemas/UnmatchedAlert"
    }
    assert set(schemas["UnmatchedAlert"]["required"]) == {"fingerprint", "herald_component", "hint"}
    assert "AlertDeliveryAnswer" in schemas["Integration"]["properties"]["url"]["description"]


@pytest.mark.parametrize("hook", ["alertmanager", "monitor"])
def test_a_body_that_is_not_json_says_nothing_was_changed_and_names_no_field(
    components, client, hook
):
    if hook == "alertmanager":
        _, token = integration(min_firing_seconds=0)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        raw = b"{not json"
    else:
        _, secret = integration("monitor", "Kuma", min_firing_seconds=0)
        raw, headers = signed(secret, b"{not json")
    before = snapshot()

    response = client.post(f"/webhooks/{hook}", data=raw, headers=headers)

    assert response.status_code == 400
    answer = response.get_json()
    assert set(answer) == {"error", "field"}
    assert answer["error"].startswith("The body is not valid JSON:")
    assert answer["error"].endswith(" Nothing was changed.")
    assert answer["field"] is None
    assert snapshot() == before
    # The same shape as any other bad body's answer.
    if hook == "alertmanager":
        other = client.post(
            "/webhooks/alertmanager", data=json.dumps({"version": "4"}), headers=headers
        ).get_json()
        assert set(other) == {"error", "field"} and other["error"].endswith("Nothing was changed.")
    db.session.rollback()
