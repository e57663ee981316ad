"""A delivery whose components another transaction holds does not wait for it: it
answers at once, with its alerts recorded, and the periodic job "alerts" makes its claims
on the next tick (app/signals/alert_claims.py). The hold is real on PostgreSQL (another
connection keeps the component's row locked, as a delivery changing its status does);
SQLite writes one transaction at a time, so there the job's part is shown by a claim the
delivery could not make."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, delete, text

from app.models import ComponentSignal
from app.signals.alerts import settle
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import alerts, integration, post_alertmanager, shown, signals

ON_POSTGRES = bool(os.environ.get("HERALD_TEST_DATABASE_URL"))


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks held by another connection: PostgreSQL")
def test_a_delivery_about_a_held_component_answers_at_once_and_the_job_claims(
    app, client, make_component
):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    other = engine.connect()
    holding = other.begin()
    try:
        other.execute(
            text("SELECT id FROM components WHERE id = :id FOR NO KEY UPDATE"), {"id": api.id}
        )
        payload = alertmanager(am_alert(severity="critical", herald_component="Payments API"))
        response = post_alertmanager(client, token, payload)
        assert response.status_code == 200, response.get_data(as_text=True)
        [alert] = alerts()
        assert alert.firing and alert.counts  # recorded, and counting
        assert shown(api) == "operational" and signals() == []  # the claim waits
    finally:
        holding.rollback()
        other.close()
        engine.dispose()
    settle()
    db.session.commit()
    assert shown(api) == "major_outage"
    assert signals() == [(api.id, f"alert:{alert.id}", "major_outage")]


def test_the_job_makes_a_claim_a_delivery_left_and_withdraws_one_left_behind(
    app, client, make_component
):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    firing = am_alert(severity="critical", herald_component="Payments API")
    assert post_alertmanager(client, token, alertmanager(firing)).status_code == 200
    [alert] = alerts()
    # As a delivery that found the component held leaves it: counting, not claimed.
    db.session.execute(delete(ComponentSignal))
    db.session.commit()
    assert settle() == 0  # nothing crossed a threshold ...
    db.session.commit()
    assert signals() == [(api.id, f"alert:{alert.id}", "major_outage")]  # ... but it claimed
    # Resolved by a delivery that could not withdraw the claim: no longer counting.
    alert.firing, alert.counts = False, False
    db.session.commit()
    settle()
    db.session.commit()
    assert signals() == []
    assert shown(api) == "operational"
