"""Adding or deleting a rule re-targets the integration's stored alerts at once: an alert
that matched no component (a typo in its herald_component label) claims the component
the new rule names without waiting for Alertmanager to send it again, its suggested
incident names that component instead of the typo, and where an open incident covers
the component the alert joins it ("Signals seen") instead. An alert joins the open
incident covering its component however it came by it: from its label or a rule, on
its first delivery, a later one or a re-target. The rule form pre-selects the component
closest to an unmatched label."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.models import AlertRule, IncidentSignal
from core.db import db
from tests.comms.worldkit import build_world, declare
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import (
    alerts,
    integration,
    post_alertmanager,
    shown,
    signals,
    suggestions,
)

TYPO = alertmanager(am_alert("CardErrors", severity="critical", herald_component="Card paymnets"))


@pytest.fixture
def world(app, audiences):
    return build_world()


@pytest.fixture
def admin(staff, make_user):
    return staff(make_user("admin"))


def kept() -> list[IncidentSignal]:
    db.session.expire_all()
    return list(db.session.scalars(select(IncidentSignal).order_by(IncidentSignal.id)))


def add_rule(admin, made, component) -> AlertRule:
    answer = admin.post(
        f"/admin/integrations/{made.id}/rules",
        {"matchers": "herald_component=Card paymnets", "component_id": component.id},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return db.session.scalars(select(AlertRule)).one()


def test_a_new_rule_makes_a_stored_unmatched_alert_claim_and_its_suggestion_name_it(
    world, client, admin
):
    card = world.components["Card payments"]
    made, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    post_alertmanager(client, token, TYPO)
    [suggestion] = suggestions()
    assert suggestion.component_statuses == {}
    assert shown(card) == "operational"

    rule = add_rule(admin, made, card)

    # At once, with no delivery in between.
    [alert] = alerts()
    assert alert.component_id == card.id
    assert shown(card) == "major_outage"
    db.session.expire_all()
    [suggestion] = suggestions()
    assert suggestion.state == "open"
    assert suggestion.component_statuses == {str(card.id): "major_outage"}
    assert suggestion.component_ids == [card.id]
    first = suggestion.facts.split("\n\n")[0]
    assert first == "Prometheus alert CardErrors is firing on Card payments."
    assert "matched no component" not in suggestion.facts
    # The page no longer lists it as unmatched.
    body = html.unescape(admin.get(f"/admin/integrations/{made.id}").get_data(as_text=True))
    row = re.search(rf'<tr id="alert-{alert.id}">(.*?)</tr>', body, re.S).group(1)
    assert "counts: Major outage" in row and "unmatched" not in row

    # Deleting the rule gives the component back at once; the alert is unmatched again.
    assert admin.post(f"/admin/integrations/{made.id}/rules/{rule.id}/delete").status_code == 302
    [alert] = alerts()
    assert alert.component_id is None
    assert shown(card) == "operational"
    [suggestion] = suggestions()
    assert suggestion.state == "open"  # a critical alert with no target still needs a person
    assert suggestion.component_statuses == {}
    assert "matched no component" in suggestion.facts


def test_a_new_rule_onto_a_covered_component_joins_the_open_incident(world, client, admin):
    card = world.components["Card payments"]
    incident = declare(world, "Card payments failing", "major", {"Card payments": "major_outage"})
    made, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    post_alertmanager(client, token, TYPO)
    assert [s.state for s in suggestions()] == ["open"]  # it named nothing the incident covers
    assert kept() == []

    add_rule(admin, made, card)

    [signal] = kept()
    assert (signal.incident_id, signal.origin) == (incident.id, "alert")
    assert signal.component_statuses == {str(card.id): "major_outage"}
    assert "is firing on Card payments" in signal.facts
    # The suggestion is not left beside it saying the label matched nothing.
    assert [s.state for s in suggestions()] == ["dismissed"]
    page = admin.get(f"/internal/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Signal seen: CardErrors on the payments API" in page

    # A later delivery (Alertmanager re-sends the group) keeps it there, once.
    post_alertmanager(client, token, TYPO)
    assert len(kept()) == 1
    assert [s.state for s in suggestions()] == ["dismissed"]


@pytest.mark.parametrize("severity", ["warning", "critical"])
def test_an_alert_joins_the_open_incident_on_its_first_delivery_whatever_its_severity(
    world, client, severity
):
    incident = declare(world, "Payments failing", "major", {"Mobile app": "major_outage"})
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)

    post_alertmanager(
        client, token, alertmanager(am_alert(severity=severity, herald_component="Mobile app"))
    )

    [signal] = kept()
    assert signal.incident_id == incident.id
    assert suggestions() == []


def test_an_alert_whose_label_is_fixed_joins_the_open_incident_on_its_next_delivery(world, client):
    incident = declare(world, "Mobile app failing", "major", {"Mobile app": "major_outage"})
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    post_alertmanager(client, token, alertmanager(am_alert(herald_component="Mobile ap")))
    assert kept() == []

    post_alertmanager(client, token, alertmanager(am_alert(herald_component="Mobile app")))

    [signal] = kept()
    assert signal.incident_id == incident.id
    mobile = world.components["Mobile app"]
    assert [(cid, status) for cid, _, status in signals()] == [(mobile.id, "degraded_performance")]


def test_the_rule_form_preselects_the_component_closest_to_the_unmatched_label(world, admin):
    made, _ = integration()
    card = world.components["Card payments"]
    query = urlencode({"matchers": "herald_component=Card paymnets"})

    body = admin.get(f"/admin/integrations/{made.id}?{query}").get_data(as_text=True)

    select_html = re.search(r'<select[^>]*name="component_id"[^>]*>(.*?)</select>', body, re.S)
    selected = re.findall(r'<option selected value="(\d+)">|<option value="(\d+)" selected>', body)
    assert select_html is not None
    assert [a or b for a, b in selected] == [str(card.id)]

    # With nothing close, nothing is chosen for staff.
    query = urlencode({"matchers": "herald_component=Zzzz"})
    body = admin.get(f"/admin/integrations/{made.id}?{query}").get_data(as_text=True)
    assert "selected" not in re.search(
        r'<select[^>]*name="component_id"[^>]*>(.*?)</select>', body, re.S
    ).group(1)
