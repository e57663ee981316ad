"""The integration's "Last used" is the time of its last delivery, to the minute: found by
a new user, whose page kept the first delivery's time after two more."""

from __future__ import annotations

from datetime import timedelta

from app.models import Integration
from core.db import db
from core.time import utcnow
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, post_alertmanager


def test_each_delivery_a_minute_apart_moves_last_used(
    app, client, make_component, staff, make_user
):
    make_component("API")
    made, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    body = alertmanager(am_alert(herald_component="API"))
    assert post_alertmanager(client, token, body).status_code == 200
    db.session.expire_all()
    first = db.session.get(Integration, made.id).last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=5)
    # As if that delivery were two minutes ago: the next one moves the time.
    db.session.get(Integration, made.id).last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    resolved = alertmanager(am_alert(herald_component="API", status="resolved"))
    assert post_alertmanager(client, token, resolved).status_code == 200
    db.session.expire_all()
    assert db.session.get(Integration, made.id).last_used_at >= first
    page = staff(make_user("admin")).get(f"/admin/integrations/{made.id}").get_data(as_text=True)
    assert "to the minute" in page
