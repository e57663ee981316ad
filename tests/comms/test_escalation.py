"""Escalation: declaring a critical incident, or one that touches a tier-1 component
(directly or through a dependency), alerts the executives at once with a short factual
notice; rules are configurable and a disabled rule does not fire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.comms.escalation import all_rules, save_rule
from app.incidents.services import post_incident_update
from app.models import Communication, utcnow
from core.db import db
from subscribers.models import Delivery
from subscribers.outbox import expand_broadcast
from tests.comms.worldkit import broadcasts, declare


def escalations() -> list[tuple[str, str]]:
    """(audience, subject) of every escalation broadcast."""
    return [(b.audience.key, b.subject) for b in broadcasts("escalation")]


def test_a_critical_incident_alerts_the_executives_at_once(world):
    incident = declare(world, "Mobile app down", "critical", {"Mobile app": "major_outage"})
    [broadcast] = broadcasts("escalation")
    assert broadcast.audience.key == "executives"
    assert broadcast.subject == "Escalation: critical incident - Mobile app down"
    assert "A critical incident has been declared" in broadcast.text_body
    assert "**What:** Mobile app down" in broadcast.text_body
    assert "tier 1) services affected:** none" in broadcast.text_body
    assert f"/internal/incidents/{incident.public_id}" in broadcast.text_body
    assert broadcast.sms_body.startswith("Herald Status escalation: Critical incident")
    # Logged against the incident, and it reaches the executives (nobody else).
    [logged] = db.session.scalars(
        select(Communication).where(Communication.kind == "escalation")
    ).all()
    assert (logged.incident_id, logged.audience_key) == (incident.id, "executives")
    expand_broadcast(broadcast.id)
    assert db.session.scalars(
        select(Delivery.address).where(Delivery.broadcast_id == broadcast.id)
    ).all() == ["ceo@example.com"]


def test_a_minor_incident_on_a_tier_1_component_escalates(world):
    declare(world, "Card payments slow", "minor", {"Card payments": "degraded_performance"})
    [broadcast] = broadcasts("escalation")
    assert broadcast.subject == "Escalation: minor incident - Card payments slow"
    assert "affecting business-critical (tier 1) services" in broadcast.text_body
    assert "tier 1) services affected:** Card payments" in broadcast.text_body


def test_a_tier_1_component_reached_through_a_dependency_escalates(world):
    # Only the tier-2 database is named, but the tier-1 API depends on it.
    declare(world, "Database slow", "minor", {"Database": "degraded_performance"})
    [broadcast] = broadcasts("escalation")
    assert broadcast.audience.key == "executives"
    assert "tier 1) services affected:** API" in broadcast.text_body


def test_a_minor_incident_away_from_tier_1_does_not_escalate(world):
    declare(world, "Mobile app slow", "minor", {"Mobile app": "degraded_performance"})
    declare(world, "Mobile app errors", "major", {"Mobile app": "partial_outage"})
    assert escalations() == []


def test_an_update_that_raises_the_impact_escalates_then_and_only_once(world):
    incident = declare(world, "Mobile app slow", "minor", {"Mobile app": "degraded_performance"})
    assert escalations() == []
    # A quick update that takes a tier-1 component down: the rule matches now.
    post_incident_update(
        None,
        incident,
        "identified",
        "Payments are failing too.",
        {world.components["Card payments"]: "major_outage"},
    )
    db.session.commit()
    assert escalations() == [("executives", "Escalation: major incident - Mobile app slow")]
    [broadcast] = broadcasts("escalation")
    assert "tier 1) services affected:** Card payments" in broadcast.text_body
    # Later updates do not alert the executives again, nor log it twice.
    post_incident_update(None, incident, "monitoring", "A fix is in place.")
    db.session.commit()
    assert len(escalations()) == 1
    assert (
        len(
            db.session.scalars(
                select(Communication).where(Communication.kind == "escalation")
            ).all()
        )
        == 1
    )


def test_an_update_sent_without_notifications_does_not_escalate(world):
    incident = declare(world, "Mobile app slow", "minor", {"Mobile app": "degraded_performance"})
    post_incident_update(
        None,
        incident,
        "identified",
        "Backfilled.",
        {world.components["Card payments"]: "major_outage"},
        deliver_notifications=False,
    )
    db.session.commit()
    assert escalations() == []


def test_a_critical_tier_1_incident_alerts_once(world):
    declare(world, "API down", "critical", {"API": "major_outage"})
    assert escalations() == [("executives", "Escalation: critical incident - API down")]


def test_a_backfilled_incident_does_not_escalate(world):
    declare(
        world,
        "Yesterday's API outage",
        "critical",
        {"API": "major_outage"},
        started_at=utcnow() - timedelta(days=1),
    )
    assert escalations() == []


def test_an_incident_declared_without_notifications_does_not_escalate(world):
    declare(world, "API down", "critical", {"API": "major_outage"}, deliver_notifications=False)
    assert escalations() == []


def test_disabled_rules_do_not_fire(world):
    for rule in all_rules():
        rule.enabled = False
    db.session.commit()
    declare(world, "API down", "critical", {"API": "major_outage"})
    assert escalations() == []


def test_rules_are_configurable(world):
    rules = all_rules()
    tier_rule = next(r for r in rules if r.tier == "tier1")
    save_rule(
        None,
        tier_rule,
        name=tier_rule.name,
        min_impact=None,
        tier="tier1",
        audience_key="executives",
        enabled=False,
    )
    save_rule(
        None,
        None,
        name="Major incidents to support",
        min_impact="major",
        tier=None,
        audience_key="support",
    )
    db.session.commit()
    # Tier 1 alone no longer escalates; a major incident now tells support.
    declare(world, "Card payments slow", "minor", {"Card payments": "degraded_performance"})
    assert escalations() == []
    declare(world, "Mobile app errors", "major", {"Mobile app": "partial_outage"})
    assert escalations() == [("support", "Escalation: major incident - Mobile app errors")]
    # A critical one matches both: each audience hears once.
    declare(world, "API down", "critical", {"API": "major_outage"})
    assert sorted(escalations()[1:]) == [
        ("executives", "Escalation: critical incident - API down"),
        ("support", "Escalation: critical incident - API down"),
    ]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": "", "min_impact": "major", "tier": None}, "name"),
        ({"name": "x", "min_impact": None, "tier": None}, "min_impact"),
        ({"name": "x", "min_impact": "huge", "tier": None}, "min_impact"),
        ({"name": "x", "min_impact": None, "tier": "tier9"}, "tier"),
    ],
)
def test_a_bad_rule_is_refused(world, fields, problem):
    from core.errors import ServiceError

    with pytest.raises(ServiceError) as raised:
        save_rule(None, None, audience_key="executives", **fields)
    assert raised.value.field == problem


@pytest.mark.parametrize("audience", ["customers", "press"])
def test_a_rule_alerting_a_public_audience_is_refused(world, audience):
    from core.errors import ServiceError

    with pytest.raises(ServiceError, match="Escalation alerts internal audiences only") as raised:
        save_rule(
            None,
            None,
            name="Tell everyone",
            min_impact="critical",
            tier=None,
            audience_key=audience,
        )
    assert raised.value.field == "audience_key"


def test_a_public_audience_rule_saved_earlier_never_fires(world):
    """A rule naming the customers (saved before they were refused) alerts nobody outside,
    on an internal incident or a public one; the executives still hear."""
    from app.models import EscalationRule

    all_rules()
    db.session.add(
        EscalationRule(name="Old rule", min_impact="critical", tier=None, audience_key="customers")
    )
    db.session.commit()
    declare(world, "API down", "critical", {"API": "major_outage"}, visibility="internal")
    declare(world, "Mobile app down", "critical", {"Mobile app": "major_outage"})
    assert sorted(escalations()) == [
        ("executives", "Escalation: critical incident - API down"),
        ("executives", "Escalation: critical incident - Mobile app down"),
    ]
