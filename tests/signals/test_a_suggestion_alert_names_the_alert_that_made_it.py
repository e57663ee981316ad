"""The incident team's alert of a suggested incident says which alert made it: two alerts
of one integration (DbLatency, QueueBacklog) make two suggestions, and each message names
its own alert (and the integration), never the other one or an alert of the same id as
the integration."""

from __future__ import annotations

import pytest

from app.signals.alerts import ingest_alertmanager
from core.db import db
from tests.comms.worldkit import build_world
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, suggestions
from tests.signals.suggestion_world import delivered


@pytest.fixture
def world(app, audiences):
    return build_world()


def test_each_suggestion_names_its_own_alert(world):
    # Alerts of another integration first, so alert ids and integration ids differ.
    other, _ = integration(name="Old Prometheus", min_firing_seconds=0, min_clear_seconds=0)
    ingest_alertmanager(
        other, alertmanager(am_alert("SearchDown", severity="critical", fingerprint="s"))
    )
    made, _ = integration(name="Prometheus", min_firing_seconds=0, min_clear_seconds=0)
    for name, fingerprint in (("DbLatency", "d"), ("QueueBacklog", "q")):
        ingest_alertmanager(
            made,
            alertmanager(
                am_alert(name, severity="critical", fingerprint=fingerprint, herald_component="API")
            ),
        )
    db.session.commit()
    made_here = [s for s in suggestions() if s.key.startswith(f"alert:{made.id}:")]
    assert len(made_here) == 2
    sent = delivered("suggestion")
    for suggestion, name, wrong in (
        (made_here[0], "DbLatency", "QueueBacklog"),
        (made_here[1], "QueueBacklog", "DbLatency"),
    ):
        email = next(
            d
            for d in sent
            if d["channel"] == "email" and d["source"].startswith(f"suggestion:{suggestion.id}:")
        )
        assert f"**Heard from:** the alert {name} (Prometheus)" in email["text"]
        assert "SearchDown" not in email["text"] and wrong not in email["text"]
        sms = next(
            d["sms"]
            for d in sent
            if d["channel"] == "sms" and d["source"].startswith(f"suggestion:{suggestion.id}:")
        )
        assert f"the alert {name}" in sms
