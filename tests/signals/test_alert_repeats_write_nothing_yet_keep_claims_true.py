"""A repeated Alertmanager delivery is answered without writing (most deliveries repeat
what is known), but never at the cost of a wrong claim: a counting alert whose claim is
missing gets it back, a changed severity or component moves the claim at once."""

from __future__ import annotations

from sqlalchemy import delete

from app.models import ComponentSignal
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import alerts, integration, post_alertmanager, shown, signals
from tests.snapshot import snapshot


def test_repeats_write_nothing_but_a_missing_claim_comes_back(app, client, make_component):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    payload = alertmanager(am_alert(herald_component="payments api"))  # any case
    assert post_alertmanager(client, token, payload).status_code == 200
    [alert] = alerts()
    claimed = [(api.id, f"alert:{alert.id}", "degraded_performance")]
    assert signals() == claimed
    before = snapshot()
    assert post_alertmanager(client, token, payload).status_code == 200
    assert snapshot() == before

    db.session.execute(delete(ComponentSignal))
    db.session.commit()
    assert post_alertmanager(client, token, payload).status_code == 200
    assert signals() == claimed
    assert shown(api) == "degraded_performance"


def test_a_counting_alert_that_changes_severity_or_component_moves_its_claim(
    app, client, make_component
):
    api = make_component("Payments API")
    web = make_component("Web")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    post_alertmanager(client, token, alertmanager(am_alert(herald_component="Payments API")))
    [alert] = alerts()
    source = f"alert:{alert.id}"

    critical = am_alert(severity="critical", herald_component="Payments API")
    assert post_alertmanager(client, token, alertmanager(critical)).status_code == 200
    assert signals() == [(api.id, source, "major_outage")]
    assert shown(api) == "major_outage"

    moved = am_alert(severity="critical", herald_component=str(web.id))
    assert post_alertmanager(client, token, alertmanager(moved)).status_code == 200
    assert signals() == [(web.id, source, "major_outage")]
    assert (shown(api), shown(web)) == ("operational", "major_outage")
