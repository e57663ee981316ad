"""A flapping alert does not flap the page: an alert claims its component only after
firing for the minimum firing time, and clears only after the minimum clear time; the
periodic job "alerts" settles them as time passes."""

from __future__ import annotations

from datetime import timedelta

from app.models import utcnow
from app.signals.alerts import ingest_alertmanager, ingest_monitor, settle
from core.db import db
from subscribers.worker import periodic_jobs
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import alerts, integration, post_alertmanager, shown


def test_the_alerts_job_is_registered(app):
    assert dict(periodic_jobs(app))["alerts"] is settle


def test_an_alert_firing_less_than_the_minimum_does_not_claim(app, client, make_component):
    api = make_component("API")
    _, token = integration(min_firing_seconds=60, min_clear_seconds=60)
    just_now = am_alert(starts=utcnow(), herald_component="API")
    post_alertmanager(client, token, alertmanager(just_now))
    assert shown(api) == "operational"
    assert [a.counts for a in alerts()] == [False]
    settle(utcnow() + timedelta(seconds=30))
    db.session.commit()
    assert shown(api) == "operational"
    settle(utcnow() + timedelta(seconds=61))
    db.session.commit()
    assert shown(api) == "degraded_performance"


def test_an_alert_that_resolves_before_the_minimum_never_counts(app, make_component):
    api = make_component("API")
    made, _ = integration(min_firing_seconds=60, min_clear_seconds=60)
    start = utcnow()
    ingest_alertmanager(made, alertmanager(am_alert(starts=start, herald_component="API")), start)
    later = start + timedelta(seconds=20)
    ingest_alertmanager(
        made,
        alertmanager(am_alert(status="resolved", starts=start, ends=later, herald_component="API")),
        later,
    )
    settle(start + timedelta(minutes=10))
    db.session.commit()
    assert shown(api) == "operational"
    assert [(a.firing, a.counts) for a in alerts()] == [(False, False)]


def test_an_alert_firing_long_enough_counts_on_delivery(app, client, make_component):
    api = make_component("API")
    _, token = integration(min_firing_seconds=60)
    old = am_alert(starts=utcnow() - timedelta(minutes=5), herald_component="API")
    post_alertmanager(client, token, alertmanager(old))
    assert shown(api) == "degraded_performance"


def test_a_resolved_alert_clears_only_after_the_minimum_clear_time(app, make_component):
    api = make_component("API")
    made, _ = integration(min_firing_seconds=0, min_clear_seconds=120)
    start = utcnow() - timedelta(minutes=5)
    now = utcnow()
    ingest_alertmanager(made, alertmanager(am_alert(starts=start, herald_component="API")), now)
    db.session.commit()
    assert shown(api) == "degraded_performance"
    resolved = am_alert(status="resolved", starts=start, ends=now, herald_component="API")
    ingest_alertmanager(made, alertmanager(resolved), now)
    settle(now + timedelta(seconds=60))
    db.session.commit()
    assert shown(api) == "degraded_performance"  # resolved for less than the clear time
    settle(now + timedelta(seconds=121))
    db.session.commit()
    assert shown(api) == "operational"


def test_firing_again_within_the_clear_time_changes_nothing(app, make_component):
    api = make_component("API")
    made, _ = integration(min_firing_seconds=60, min_clear_seconds=120)
    start = utcnow() - timedelta(minutes=5)
    now = utcnow()
    ingest_alertmanager(made, alertmanager(am_alert(starts=start, herald_component="API")), now)
    resolved = am_alert(status="resolved", starts=start, ends=now, herald_component="API")
    ingest_alertmanager(made, alertmanager(resolved), now + timedelta(seconds=10))
    refired = am_alert(starts=now + timedelta(seconds=30), herald_component="API")
    ingest_alertmanager(made, alertmanager(refired), now + timedelta(seconds=30))
    settle(now + timedelta(minutes=30))
    db.session.commit()
    assert shown(api) == "degraded_performance"
    [alert] = alerts()
    assert alert.firing and alert.counts and alert.starts_at == start


def test_a_resolved_monitor_check_keeps_its_status_through_the_clear_time(app, make_component):
    """Found by a new user: a monitor check posted "resolved" (no status of its own)
    dropped its component from partial outage to degraded performance for the clear
    time, a step that never happened."""
    invoicing = make_component("Invoicing")
    made, _ = integration("monitor", "Probe", min_firing_seconds=0, min_clear_seconds=60)
    now = utcnow()
    ingest_monitor(made, {"id": "inv", "component": "Invoicing", "status": "partial_outage"}, now)
    db.session.commit()
    assert shown(invoicing) == "partial_outage"
    ingest_monitor(made, {"id": "inv", "component": "Invoicing", "status": "resolved"}, now)
    db.session.commit()
    assert shown(invoicing) == "partial_outage"  # still within the clear time
    settle(now + timedelta(seconds=61))
    db.session.commit()
    assert shown(invoicing) == "operational"
