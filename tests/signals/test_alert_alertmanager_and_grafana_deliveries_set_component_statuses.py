"""Alertmanager's and Grafana's webhook deliveries, through POST /webhooks/alertmanager,
claim the component the alert names, resolve it, and repeat without changing anything."""

from __future__ import annotations

from app.status.components import follow_signals, set_component_status
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert, grafana
from tests.signals.alert_setup import (
    alerts,
    integration,
    post_alertmanager,
    shown,
    signals,
    suggestions,
)
from tests.snapshot import snapshot


def test_a_firing_alert_degrades_its_component_and_resolving_it_clears(app, client, make_component):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    response = post_alertmanager(
        client, token, alertmanager(am_alert(herald_component="Payments API"))
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"accepted": 1}
    assert shown(api) == "degraded_performance"
    [alert] = alerts()
    assert alert.name == "HighErrorRate" and alert.firing and alert.counts
    assert alert.summary == "HighErrorRate on the payments API"
    assert signals() == [(api.id, f"alert:{alert.id}", "degraded_performance")]

    resolved = am_alert(status="resolved", herald_component="Payments API")
    assert post_alertmanager(client, token, alertmanager(resolved)).status_code == 200
    assert shown(api) == "operational"
    assert signals() == []
    [alert] = alerts()
    assert not alert.firing and not alert.counts and alert.ends_at is not None


def test_grafana_deliveries_work_through_the_same_receiver(app, client, make_component):
    db_component = make_component("Database")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    payload = grafana(am_alert("DiskFull", severity="critical", herald_component="Database"))
    response = post_alertmanager(client, token, payload)
    assert response.status_code == 200 and response.get_json() == {"accepted": 1}
    assert shown(db_component) == "major_outage"
    resolved = grafana(am_alert("DiskFull", "resolved", "critical", herald_component="Database"))
    assert post_alertmanager(client, token, resolved).status_code == 200
    assert shown(db_component) == "operational"


def test_a_repeated_delivery_changes_nothing(app, client, make_component):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    payload = alertmanager(am_alert(severity="critical", herald_component="Payments API"))
    assert post_alertmanager(client, token, payload).status_code == 200
    before = snapshot()
    state = [(a.id, a.firing, a.counts, a.status, a.starts_at) for a in alerts()]
    for _ in range(3):
        assert post_alertmanager(client, token, payload).status_code == 200
    assert snapshot() == before
    assert [(a.id, a.firing, a.counts, a.status, a.starts_at) for a in alerts()] == state
    assert shown(api) == "major_outage"
    assert len(suggestions()) == 1


def test_a_component_shows_the_worst_of_its_alerts(app, client, make_component):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    warning = am_alert("SlowRequests", fingerprint="a1", herald_component="Payments API")
    critical = am_alert(
        "Down", severity="critical", fingerprint="a2", herald_component="Payments API"
    )
    post_alertmanager(client, token, alertmanager(warning, critical))
    assert shown(api) == "major_outage"
    critical_resolved = {**critical, "status": "resolved", "endsAt": warning["startsAt"]}
    post_alertmanager(client, token, alertmanager(critical_resolved))
    assert shown(api) == "degraded_performance"
    post_alertmanager(client, token, alertmanager({**warning, "status": "resolved"}))
    assert shown(api) == "operational"


def test_herald_component_names_a_component_by_name_id_or_public_id(app, client, make_component):
    by_name, by_id, by_public = (make_component(n) for n in ("Checkout", "Search", "Ledger"))
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    payload = alertmanager(
        am_alert("A", fingerprint="f1", herald_component="checkout"),
        am_alert("B", fingerprint="f2", herald_component=str(by_id.id)),
        am_alert("C", fingerprint="f3", herald_component=by_public.public_id),
        am_alert("D", fingerprint="f4", herald_component="No such thing"),
    )
    answer = post_alertmanager(client, token, payload).get_json()
    assert answer["accepted"] == 4
    assert [(u["fingerprint"], u["herald_component"]) for u in answer["unmatched"]] == [
        ("f4", "No such thing")
    ]
    assert [shown(c) for c in (by_name, by_id, by_public)] == ["degraded_performance"] * 3
    unmatched = [a for a in alerts() if a.component_id is None]
    assert [a.name for a in unmatched] == ["D"]  # kept, shown as unmatched, claims nothing
    assert len(signals()) == 3


def test_rules_map_labels_to_components_in_order_and_the_label_wins(app, client, make_component):
    from app.signals.alert_rules import add_rule

    api, web, other = (make_component(n) for n in ("API", "Website", "Other"))
    made, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    add_rule(None, made, {"job": "api", "env": "prod"}, api)
    add_rule(None, made, {"job": "api"}, web)
    db.session.commit()
    post_alertmanager(
        client,
        token,
        alertmanager(
            am_alert("A", fingerprint="r1", env="prod"),  # both rules match: the first wins
            am_alert("B", fingerprint="r2", env="staging"),  # only the second
            am_alert("C", fingerprint="r3", env="prod", herald_component="Other"),
        ),
    )
    by_name = {a.name: a.component_id for a in alerts()}
    assert by_name == {"A": api.id, "B": web.id, "C": other.id}


def test_a_status_set_by_hand_wins_until_staff_hand_it_back(app, client, make_component):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    post_alertmanager(client, token, alertmanager(am_alert(herald_component="Payments API")))
    assert shown(api) == "degraded_performance"
    set_component_status(None, api, "partial_outage")
    db.session.commit()
    critical = am_alert(
        "Down", severity="critical", fingerprint="x2", herald_component="Payments API"
    )
    post_alertmanager(client, token, alertmanager(critical))
    assert shown(api) == "partial_outage"  # staff's status holds over the alerts
    component = db.session.get(type(api), api.id)
    follow_signals(None, component)
    db.session.commit()
    assert shown(api) == "major_outage"


def test_resolving_the_last_alert_keeps_a_status_staff_set_since(app, client, make_component):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    post_alertmanager(client, token, alertmanager(am_alert(herald_component="Payments API")))
    set_component_status(None, api, "major_outage")
    db.session.commit()
    post_alertmanager(
        client, token, alertmanager(am_alert(status="resolved", herald_component="Payments API"))
    )
    assert shown(api) == "major_outage"


def test_a_critical_alert_or_a_tier_1_component_suggests_an_incident_once(
    app, client, make_component
):
    tier1 = make_component("Card payments", tier="tier1")
    tier2 = make_component("Reports", tier="tier2")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    post_alertmanager(
        client, token, alertmanager(am_alert("Slow", fingerprint="s1", herald_component="Reports"))
    )
    assert suggestions() == []  # a warning on a tier-2 component: no suggestion
    post_alertmanager(
        client,
        token,
        alertmanager(am_alert("CardErrors", fingerprint="s2", herald_component="Card payments")),
    )
    post_alertmanager(
        client,
        token,
        alertmanager(am_alert("Down", "firing", "critical", "s3", herald_component="Reports")),
    )
    found = suggestions()
    assert [(s.origin, s.key) for s in found] == [
        ("alert", f"alert:{found[0].key.split(':')[1]}:CardErrors"),
        ("alert", f"alert:{found[0].key.split(':')[1]}:Down"),
    ]
    assert found[0].component_statuses == {str(tier1.id): "degraded_performance"}
    assert found[1].component_statuses == {str(tier2.id): "major_outage"}
    assert "5xx ratio above 5%" in found[0].facts and "Down on the payments API" in found[1].facts
    # Firing again (after resolving, with the suggestion still open): no second one.
    again = am_alert("Down", "firing", "critical", "s4", herald_component="Reports")
    post_alertmanager(client, token, alertmanager(again))
    assert len(suggestions()) == 2
