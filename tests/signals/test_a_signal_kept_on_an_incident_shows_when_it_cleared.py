"""A signal kept on an open incident ("Signals seen") says whether it is still active or
has cleared, and when: on the internal and the staff incident pages alike. It clears when
its source stops claiming its components (the alert resolved and settled, the vendor
recovered) and is active again when the source claims them again. Nobody is told either
time: the team heard of it when it came, as a closing suggestion tells nobody either."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Component, IncidentSignal
from app.signals.claims import claim
from app.signals.suggestions import suggest
from core.db import db
from tests.comms.worldkit import build_world, declare
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, post_alertmanager, suggestions
from tests.signals.suggestion_world import delivered


# Made when sent, not when the module is imported: an alert's times are read against the
# clock, and a payload built at collection would be minutes old by the time it is posted.
def firing():
    return alertmanager(am_alert(severity="critical", herald_component="Card payments"))


def resolved():
    return alertmanager(
        am_alert(status="resolved", severity="critical", herald_component="Card payments")
    )


@pytest.fixture
def world(app, audiences):
    return build_world()


@pytest.fixture
def incident(world):
    return declare(world, "Card payments failing", "major", {"Card payments": "major_outage"})


def kept() -> IncidentSignal:
    db.session.expire_all()
    [signal] = db.session.scalars(select(IncidentSignal)).all()
    return signal


def signal_line(html: str) -> str:
    """The "Signals seen" entry of a page, tags and all, as one line of text."""
    section = re.search(r'<ul class="signals">(.*?)</ul>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def pages(staff, make_user, incident) -> list[str]:
    """The incident's internal page and its staff (admin) page, as a responder sees them."""
    responder = staff(make_user("responder"))
    found = []
    for url in (f"/internal/incidents/{incident.public_id}", f"/admin/incidents/{incident.id}"):
        response = responder.get(url)
        assert response.status_code == 200, url
        found.append(response.get_data(as_text=True))
    return found


def notices() -> int:
    return len(delivered("suggestion", source_prefix="incident-signal:"))


def test_an_alert_signal_shows_active_then_cleared_with_the_time_and_tells_nobody_again(
    app, incident, client, staff, make_user
):
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    assert post_alertmanager(client, token, firing()).status_code == 200
    told = notices()
    assert told, "the team is told once, when the signal comes"
    assert kept().cleared_at is None
    for html in pages(staff, make_user, incident):
        line = signal_line(html)
        assert "Signal seen: HighErrorRate on the payments API alert still active" in line
        assert "cleared" not in line

    assert post_alertmanager(client, token, resolved()).status_code == 200

    signal = kept()
    assert signal.cleared_at is not None
    with app.test_request_context():
        when = app.jinja_env.filters["page_time"](signal.cleared_at)
    for html in pages(staff, make_user, incident):
        line = signal_line(html)
        assert f"alert cleared {when}" in line
        assert "still active" not in line
        # Once cleared, its words say what it was, not that it is still firing.
        assert "was: Prometheus alert HighErrorRate is firing on Card payments." in line
        assert f'datetime="{signal.cleared_at.isoformat()}"' in html
    assert notices() == told
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "incident.signal_cleared")
    )
    assert event.summary == (
        "Signal cleared on the incident Card payments failing: "
        "HighErrorRate on the payments API (alert)"
    )

    # Firing again: active again, and still nobody is told twice.
    assert post_alertmanager(client, token, firing()).status_code == 200
    assert kept().cleared_at is None
    for html in pages(staff, make_user, incident):
        assert "still active" in signal_line(html)
    assert notices() == told
    assert suggestions() == []


def test_an_alert_that_resolves_but_has_not_settled_is_still_active(app, incident, client):
    _, token = integration(min_firing_seconds=0, min_clear_seconds=600)
    post_alertmanager(client, token, firing())
    post_alertmanager(client, token, resolved())
    assert kept().cleared_at is None


def test_a_vendor_signal_clears_when_the_vendor_recovers_and_is_active_when_it_claims_again(
    app, world, incident
):
    card, mobile = world.components["Card payments"], world.components["Mobile app"]

    def vendor_claims(component: Component, status: str) -> None:
        claim(component, "vendor:9", status, reason="Reported by Stripe", public=True)

    def vendor_suggests() -> None:
        suggest(
            "vendor",
            "vendor:9:inc-1",
            name="Stripe: errors",
            impact="major",
            component_statuses={card.id: "partial_outage", mobile.id: "partial_outage"},
            facts="Stripe reports elevated error rates.",
        )
        db.session.commit()

    vendor_claims(card, "partial_outage")
    vendor_claims(mobile, "partial_outage")
    vendor_suggests()
    # Card payments joins the incident; Mobile app, which it does not cover, is suggested.
    assert kept().cleared_at is None
    [suggestion] = suggestions()

    vendor_claims(card, "operational")
    db.session.commit()
    assert kept().cleared_at is not None
    assert suggestion.state == "open"  # the vendor still claims Mobile app

    # The vendor says Card payments is down again while its suggestion is still open (so
    # the suggestion takes the repeat): its new claim alone makes the signal active again.
    vendor_claims(card, "partial_outage")
    vendor_suggests()
    assert kept().cleared_at is None


def test_a_listening_signal_shows_no_active_or_cleared_state(app, incident, staff, make_user):
    suggest(
        "listening",
        "listening:1:100",
        name="Customers are reporting problems with Card payments",
        impact="minor",
        component_statuses={incident.affected[0].component_id: "degraded_performance"},
        facts="12 mentions in the last 15 minutes.",
    )
    db.session.commit()
    for html in pages(staff, make_user, incident):
        line = signal_line(html)
        assert "Customers are reporting problems with Card payments listening feed" in line
        assert "still active" not in line and "cleared" not in line
