"""A whole incident across signals, with every team told the truth throughout.

An incident is open on the Dashboard; then a vendor degrades Card payments (the Payments
team, told all-clear, is asked again and told why), an alert takes the Mobile app to a
major outage, staff set it by hand to a partial outage (held: their status wins), the
alert resolves (still partial: staff said so), staff hand it back (operational). The
vendor's suggestion alerts only internal audiences; declaring it opens an incident with
no public update, internal, and customers get nothing until the lead makes it public
and the workflow publishes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.comms import approval, drafting, publishing
from app.comms.context import Facts
from app.incidents.services import edit_incident
from app.models import FactSheet
from app.signals.claims import claim
from app.signals.suggestions import declare_suggestion, suggest
from app.status.components import follow_signals, set_component_status
from core.db import db
from core.time import utcnow
from tests.comms.worldkit import broadcasts, build_world, declare
from tests.signals.suggestion_world import delivered


def test_a_whole_incident_across_signals(app, audiences, make_user):
    world = build_world()
    lead = make_user("comms_lead", email="lead@example.com")
    approver = make_user("approver", email="approver@example.com")
    c = world.components
    declare(world, "Dashboard slow", "minor", {"Dashboard": "degraded_performance"})
    first_calls = {b.team_id: b.kind for b in broadcasts() if b.team_id}
    assert first_calls[world.teams["Payments"].id] == "all_clear"

    # A vendor degrades Card payments: the team told all-clear is asked again, and why.
    assert claim(
        c["Card payments"], "vendor:1", "degraded_performance", reason="Reported by Stripe"
    )
    db.session.commit()
    asked = [
        b
        for b in broadcasts("roll_call")
        if b.team_id == world.teams["Payments"].id and "roll_call_again" in b.source
    ]
    assert len(asked) == 1
    assert "Card payments: Degraded performance" in asked[0].text_body
    assert "Reported by Stripe" in asked[0].text_body
    assert c["Card payments"].status == "degraded_performance"

    # An alert takes the Mobile app down; staff set it by hand to partial (held).
    claim(c["Mobile app"], "alert:7", "major_outage", reason="Alert: MobileDown")
    db.session.commit()
    assert c["Mobile app"].status == "major_outage"
    assert any(
        b.team_id == world.teams["Mobile"].id and "roll_call_again" in b.source
        for b in broadcasts("roll_call")
    )
    set_component_status(lead, c["Mobile app"], "partial_outage")
    db.session.commit()
    assert (c["Mobile app"].status, c["Mobile app"].signal_held) == ("partial_outage", True)

    # The alert resolves: staff's status stays; handing back follows the signals.
    claim(c["Mobile app"], "alert:7", "operational", reason="")
    db.session.commit()
    assert c["Mobile app"].status == "partial_outage"
    assert c["Mobile app"].signal_held  # the page still says staff hold it
    assert follow_signals(lead, c["Mobile app"])
    db.session.commit()
    assert (c["Mobile app"].status, c["Mobile app"].signal_held) == ("operational", False)

    # The vendor's suggestion alerts the incident team only.
    before = {b.id for b in broadcasts()}
    suggestion = suggest(
        "vendor",
        "vendor:1:inc-1",
        name="Stripe: Card authorisations failing",
        impact="minor",
        component_statuses={c["Card payments"].id: "degraded_performance"},
        facts="Stripe reports failing card authorisations.",
    )
    db.session.commit()
    new = delivered("suggestion")
    assert new and {d["audience"] for d in new} <= {"engineering", "executives", "support"}
    assert not any(d["audience"] in ("customers", "press") for d in new)

    # Declaring it publishes nothing; customers get nothing until the workflow publishes.
    declared = declare_suggestion(lead, suggestion)
    db.session.commit()
    assert declared.updates == [] and declared.announced_at is None
    fresh = [b for b in broadcasts() if b.id not in before]
    assert not [b for b in fresh if b.audience.key in ("customers", "press")]
    sheet = db.session.scalar(select(FactSheet).where(FactSheet.incident_id == declared.id))
    assert sheet.summary == "Stripe reports failing card authorisations."
    # The signal's words are a start, not a publishable update (no next update time,
    # checks to answer). It was declared internal: the lead makes it public, writes the
    # set with a customers text, an approver approves, the lead publishes.
    assert sheet.published_at is None and declared.visibility == "internal"
    edit_incident(lead, declared, visibility="public")
    db.session.commit()
    sheet = drafting.compose(
        lead,
        declared,
        status="investigating",
        facts=Facts(
            summary="Some card payments are slow to go through.",
            customer_impact="Card payments may take longer than usual.",
            next_update_at=utcnow() + timedelta(minutes=30),
        ),
        audiences=list(drafting.allowed_audiences(declared)),
    )
    db.session.commit()
    assert not [d for d in delivered() if d["audience"] == "customers"]
    for draft in sheet.drafts:
        if draft.needs_approval:
            approval.approve(approver, draft)
    db.session.commit()
    publishing.publish(lead, sheet)
    db.session.commit()
    assert any(
        d["address"] == "buyer@example.com"
        for d in delivered(source_prefix="draft:")
        if d["audience"] == "customers"
    )
