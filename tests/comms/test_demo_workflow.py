"""The demo shows the communications workflow: subscribers for every audience and team,
the active incident's lead, next update, published fact sheet, communication log and a
roll call two teams have answered."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from app.demo import seed_demo
from app.demo.content import PAYMENTS_ONCALL_PHONE, TEAMS
from app.models import Communication, FactSheet, Incident, RollCall, Team, User
from core.db import db
from subscribers.models import Subscriber


def test_the_demo_shows_the_communications_workflow(app, make_user, staff):
    seed_demo()
    subscribers = db.session.scalars(select(Subscriber)).all()
    by_audience = Counter(s.audience.key for s in subscribers if s.team_id is None)
    for audience in ("customers", "support", "engineering", "executives", "press"):
        assert by_audience[audience] >= 1, audience
    assert any(s.key_account for s in subscribers if s.audience.key == "customers")
    team_names = {team.id: team.name for team in db.session.scalars(select(Team))}
    team_addresses = {(team_names[s.team_id], s.channel) for s in subscribers if s.team_id}
    assert {(name, "email") for name, _, _ in TEAMS} <= team_addresses
    assert ("Payments", "sms") in team_addresses
    assert {s.state for s in subscribers} == {"active"}

    [active] = db.session.scalars(select(Incident).where(Incident.status != "resolved")).all()
    lead = db.session.scalar(select(User).where(User.email == "comms@example.com"))
    assert active.comms_lead_id == lead.id
    assert active.next_update_due_at is not None and active.next_update_due_at > active.started_at

    [sheet] = db.session.scalars(select(FactSheet)).all()
    assert sheet.published_at is not None and sheet.published_by_id == lead.id
    drafts = {d.audience_key: d for d in sheet.drafts}
    assert drafts["customers"].approved_by.email == "approver@example.com"
    assert {d.state for d in drafts.values()} == {"published"}

    kinds = Counter(c.kind for c in db.session.scalars(select(Communication)))
    assert kinds["escalation"] == 1 and kinds["roll_call"] >= 1 and kinds["all_clear"] >= 1
    # One broadcast per audience, and the teams' text one per team that owns components.
    owners = db.session.scalar(select(func.count(Team.id)).where(Team.components.any()))
    assert "teams" in drafts and owners >= 2
    assert kinds["update"] == len(drafts) - 1 + owners

    answered = {
        c.team.name: (c.state, c.answered_via)
        for c in db.session.scalars(select(RollCall).where(RollCall.answered_at.is_not(None)))
    }
    assert answered == {"Payments": ("affected", "sms"), "Web": ("operational", "email")}
    db.session.commit()

    # The internal page shows the engineering text and the board; the public page the
    # customers text.
    client = staff(make_user("viewer"))
    internal = client.get(f"/internal/incidents/{active.public_id}").get_data(as_text=True)
    assert "fraud-scorer-eu-3" in internal  # the technical detail
    assert "Reported affected (1)" in internal and PAYMENTS_ONCALL_PHONE in internal
    public = app.test_client().get(f"/incidents/{active.public_id}").get_data(as_text=True)
    assert "fraud screening nodes" in public and "fraud-scorer-eu-3" not in public
    log = client.get(f"/admin/incidents/{active.id}/communications").get_data(as_text=True)
    assert "Roll call to Payments" in log and "Escalated to executives" in log
    assert "identified: to Payments (reported affected)" in log  # it answered so
