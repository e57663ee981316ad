"""One whole incident, declared, updated through the workflow and resolved: exactly which
broadcasts each audience and team gets, once each. A second path sending what the
workflow sends (a generic customers notice beside the customers draft) shows up here."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app.comms.approval import approve
from app.comms.context import Facts
from app.comms.drafting import compose
from app.comms.publishing import publish
from app.models import utcnow
from core.db import db
from subscribers.models import Delivery
from subscribers.outbox import expand_broadcast
from tests.comms.worldkit import broadcasts, declare


def publish_update(lead, approver, incident, status: str, summary: str):
    sheet = compose(
        lead,
        incident,
        status=status,
        facts=Facts(
            summary=summary,
            customer_impact="Some requests to the API fail." if status != "resolved" else "",
            workaround="Retry after a minute." if status != "resolved" else "",
            next_update_at=None if status == "resolved" else utcnow() + timedelta(minutes=30),
        ),
        audiences=["customers", "engineering"],
    )
    for draft in sheet.drafts:
        if draft.needs_approval:
            approve(approver, draft)
    result = publish(lead, sheet)
    db.session.commit()
    return {d.audience_key: d for d, _ in result.sent}


def told(world) -> Counter:
    """(what, audience or team) → how many broadcasts."""
    teams = {team.id: name for name, team in world.teams.items()}
    return Counter(
        (b.kind, teams[b.team_id] if b.team_id else b.audience.key) for b in broadcasts()
    )


def test_each_audience_and_team_hears_each_step_of_an_incident_once(world, make_user):
    lead, approver = make_user("comms_lead"), make_user("approver")
    incident = declare(world, "API errors", "critical", {"API": "major_outage"}, actor=lead)
    assert told(world) == Counter(
        {
            ("escalation", "executives"): 1,  # critical and tier 1: one alert, not two
            ("roll_call", "Platform"): 1,  # owns the API
            ("roll_call", "Web"): 1,  # the Dashboard needs the API
            ("all_clear", "Payments"): 1,
            ("all_clear", "Mobile"): 1,
        }
    )

    identified = publish_update(
        lead, approver, incident, "identified", "A faulty change broke the API; we are undoing it."
    )
    monitoring = publish_update(
        lead,
        approver,
        incident,
        "monitoring",
        "The change is undone; we are watching the API closely.",
    )
    resolved = publish_update(
        lead, approver, incident, "resolved", "The API answers normally again."
    )
    assert incident.status == "resolved"
    assert told(world) == Counter(
        {
            ("escalation", "executives"): 1,
            ("roll_call", "Platform"): 1,
            ("roll_call", "Web"): 1,
            ("all_clear", "Payments"): 1 + 1,  # all-clear, then the resolved notice
            ("all_clear", "Mobile"): 1 + 1,
            ("all_clear", "Platform"): 1,
            ("all_clear", "Web"): 1,
            ("update", "customers"): 3,  # one per published update, from its draft
            ("update", "engineering"): 3,
            ("approval_request", "staff"): 3,  # the approver, once per set of drafts
            ("draft_review", "staff"): 3,  # the lead, once per approval
        }
    )
    sources = [b.source for b in broadcasts()]
    assert len(sources) == len(set(sources))
    drafts = [d for step in (identified, monitoring, resolved) for d in step.values()]
    assert {f"draft:{d.id}" for d in drafts} <= set(sources)
    assert not [s for s in sources if s.startswith("incident_update:")]

    # Down to the people: one message per broadcast that reaches an address. The teams'
    # addresses are engineering subscribers, so they read the engineering updates too,
    # but not its resolved one: the team's own resolved notice tells them (once).
    for broadcast in broadcasts():
        expand_broadcast(broadcast.id)
    db.session.commit()
    per_address = Counter(db.session.scalars(select(Delivery.address)))
    assert per_address["buyer@example.com"] == 3  # the customers' three updates
    assert per_address["ceo@example.com"] == 1  # the escalation
    assert per_address["payments@example.com"] == 2 + 2  # all-clear, resolved; 2 updates
    assert per_address["web@example.com"] == 2 + 2  # roll call, resolved; 2 updates
