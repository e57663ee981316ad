"""The demo's subscribers and what the communications team did for the open incident."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.comms import rollcall
from app.comms.approval import approve
from app.comms.context import Facts
from app.comms.drafting import compose
from app.comms.publishing import publish
from app.demo.content import (
    DEMO_SUBSCRIBERS,
    DEMO_SUBSCRIBERS_ABROAD,
    PAYMENTS_ONCALL_PHONE,
    TEAMS,
)
from app.models import Communication, RollCall, utcnow
from app.notifier import notifier
from core import audit
from core.db import db
from subscribers import registry
from subscribers.models import Broadcast


def add_subscribers(teams: dict) -> None:
    """A few subscribers per audience, and each team's address (one team by phone too)."""
    # Long-standing subscribers: here since before the demo's 90 days of history, so the
    # credits report owes them for last month's breaches (it never owes a month that
    # ended before someone subscribed).
    since = utcnow() - timedelta(days=120)
    for audience, channel, address, name, key_account in DEMO_SUBSCRIBERS:
        subscriber, _ = registry.add_internal(
            channel, address, audience, name=name, key_account=key_account, notify=False
        )
        subscriber.created_at = since
    for audience, channel, address, name, language in DEMO_SUBSCRIBERS_ABROAD:
        registry.add_internal(
            channel, address, audience, name=name, language=language, notify=False
        )
    for name, _, email in TEAMS:
        registry.add_internal("email", email, "engineering", team_id=teams[name].id, notify=False)
    registry.add_internal(
        "sms", PAYMENTS_ONCALL_PHONE, "engineering", team_id=teams["Payments"].id, notify=False
    )


def communications_workflow(active, components: dict, users: dict) -> None:
    """What Herald did for the active incident: the executives alerted, the roll call
    (answered by two teams), and the "identified" update drafted from one fact sheet,
    approved by PR and published by the communications lead."""
    now = utcnow()
    lead, approver = users["comms_lead"], users["approver"]
    active.comms_lead_id = lead.id
    # Replayed as it happened (the notifier's news rule would skip a backfilled incident).
    notifier.escalate(active)
    notifier.roll_call(active)
    calls = {call.team.name: call for call in db.session.scalars(select(RollCall))}
    # As it happened: the alerts went out when the incident was declared, and two teams
    # answered within minutes (their answers audited then too).
    declared = active.started_at + timedelta(minutes=1)
    with audit.recorded_at(declared + timedelta(minutes=4)):
        rollcall.answer(calls["Payments"], "affected", by=PAYMENTS_ONCALL_PHONE, via="sms", note="")
    with audit.recorded_at(declared + timedelta(minutes=9)):
        rollcall.answer(calls["Web"], "operational", by="email link", via="email")
    for call in calls.values():
        call.created_at = declared
    calls["Payments"].answered_at = declared + timedelta(minutes=4)
    calls["Web"].answered_at = declared + timedelta(minutes=9)
    for row in db.session.scalars(select(Communication)):
        row.created_at = declared
    for broadcast in db.session.scalars(select(Broadcast)):
        broadcast.created_at = declared

    sheet = compose(
        lead,
        active,
        status="identified",
        facts=Facts(
            summary="We traced the slowdown to one of our fraud screening nodes and are "
            "replacing it.",
            customer_impact="Card payments in the EU take about 4 seconds instead of 1. "
            "Payments are succeeding.",
            workaround="No action is needed: payments complete, only more slowly.",
            next_update_at=now + timedelta(minutes=30),
            technical_detail="fraud-scorer-eu-3 answers in p99 3.8 s (normally 120 ms) "
            "after a kernel update; the authorisation path waits on its soft timeout. "
            "Draining it from the pool and rebuilding it from the previous image.",
        ),
        audiences=["customers", "support", "engineering", "executives", "teams"],
        components={
            components["Card payments"]: "degraded_performance",
            components["Fraud screening"]: "degraded_performance",
            # The card processor waits on the same screening (its vendor says so too).
            components["Card processor"]: "degraded_performance",
        },
    )
    for draft in sheet.drafts:
        if draft.needs_approval:
            approve(approver, draft, "Fine to go.")
    publish(lead, sheet, idempotency_key="demo-identified-update")
