"""An alert delivery is answered once its alerts are stored: it locks and changes no
component. Its effects (claims, statuses, a suggested incident) follow the answer, made
by the process's settling thread (app/signals/alert_applier.py); the periodic job
"alerts" puts right whatever that thread did not get to. The tests' settings settle in
the request; these turn that off to see the thread at work. On PostgreSQL a component
held by another connection (as a staff status change holds it) does not hold up the
answer, only the effects, until it is released."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, delete, select, text

from app.models import ComponentSignal, SuggestedIncident
from app.signals.alerts import settle
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import alerts, integration, post_alertmanager, shown, signals
from tests.waiting import wait_until

ON_POSTGRES = bool(os.environ.get("HERALD_TEST_DATABASE_URL"))


@contextmanager
def settled_after_answering(app):
    app.config["ALERT_CLAIMS_IN_REQUEST"] = False
    try:
        yield
    finally:
        app.config["ALERT_CLAIMS_IN_REQUEST"] = True


@contextmanager
def held(app, component):
    """The component's row locked by another connection, as a status change locks it."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    other = engine.connect()
    holding = other.begin()
    try:
        other.execute(
            text("SELECT id FROM components WHERE id = :id FOR NO KEY UPDATE"),
            {"id": component.id},
        )
        yield
    finally:
        holding.rollback()
        other.close()
        engine.dispose()


def test_the_answer_comes_first_and_the_thread_makes_the_effects(app, client, make_component):
    api = make_component("Payments API", tier="tier1")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    firing = am_alert(severity="critical", herald_component="Payments API")
    with settled_after_answering(app):
        response = post_alertmanager(client, token, alertmanager(firing))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == {"accepted": 1}
        [alert] = alerts()
        wait_until(lambda: shown(api) == "major_outage", 10, "the thread's claim")
        assert signals() == [(api.id, f"alert:{alert.id}", "major_outage")]
        assert [s.name for s in db.session.scalars(select(SuggestedIncident))] != []
        resolved = am_alert(severity="critical", herald_component="Payments API", status="resolved")
        assert post_alertmanager(client, token, alertmanager(resolved)).status_code == 200
        wait_until(lambda: shown(api) == "operational", 10, "the thread's withdrawal")
        assert signals() == []


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks held by another connection: PostgreSQL")
def test_a_held_component_holds_up_only_the_effects(app, client, make_component):
    api = make_component("Payments API")
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    payload = alertmanager(am_alert(severity="critical", herald_component="Payments API"))
    with settled_after_answering(app), held(app, api):
        # Were the request to wait for the component, this would wait for ever (until the
        # tests' lock timeout fails it): the hold ends only after the answer.
        response = post_alertmanager(client, token, payload)
        assert response.status_code == 200, response.get_data(as_text=True)
        [alert] = alerts()
        assert alert.firing  # recorded
        assert shown(api) == "operational" and signals() == []  # the effects wait
    with settled_after_answering(app):
        wait_until(lambda: shown(api) == "major_outage", 10, "the claim once released")
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
