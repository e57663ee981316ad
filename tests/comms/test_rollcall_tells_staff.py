"""A team's "affected" answer reaches the staff who run the incident (email, SMS with a
phone number) and waits in their "Waiting for you" list until the team reports
operational again or the incident resolves; the thank-you page says so; the board says
what is true now (found by a new user: an "affected" answer alerted nobody, and a board
kept saying "not all operational" after the components recovered)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.comms import rollcall
from app.incidents.services import post_incident_update
from core.db import db
from subscribers.models import Broadcast, Subscriber
from tests.comms.test_rollcall_truth import call_of, plain, text_of
from tests.comms.worldkit import declare

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def staff_alerts() -> list[tuple[str, str, Broadcast]]:
    db.session.expire_all()
    found = db.session.scalars(
        select(Broadcast).where(Broadcast.kind == "team_affected").order_by(Broadcast.id)
    )
    return [(b.channels[0] if b.channels else "", _address(b), b) for b in found]


def _address(broadcast: Broadcast) -> str:
    return db.session.get(Subscriber, broadcast.subscriber_id).address


def waiting(client) -> str:
    page = text_of(client.get("/admin/"))
    return plain(page.split('id="waiting"', 1)[1].split("</section>", 1)[0])


def test_an_affected_answer_tells_the_incident_staff_and_waits_for_them(
    app, world, make_user, staff
):
    lead = make_user("comms_lead", email="lead@example.com", phone="+44 7911 123456")
    other = make_user("comms_lead", email="other@example.com")
    incident = declare(world, "API errors", "major", {"API": "partial_outage"}, actor=lead)
    call = call_of(world, incident, "Platform")

    client = app.test_client()
    page = text_of(client.get(f"/rollcall/{call.token}/affected"))
    token = CSRF_RE.search(page).group(1)
    thanks = plain(
        text_of(
            client.post(
                f"/rollcall/{call.token}/affected",
                data={"csrf_token": token, "note": "Errors at 20%"},
            )
        )
    )
    assert "The incident team is alerted" not in thanks
    assert "The staff running the incident are emailed now, with your note" in thanks

    alerts = staff_alerts()
    assert sorted((b.channels[0], a) for _, a, b in alerts) == [
        ("email", "lead@example.com"),
        ("sms", "+447911123456"),
    ]
    email = next(b for _, a, b in alerts if a == "lead@example.com")
    assert email.subject == "Platform reports its services are affected: API errors"
    assert 'Their note: "Errors at 20%"' in email.text_body
    assert f"/admin/incidents/{incident.id}" in email.text_body

    # The same answer again (a second click) tells nobody again.
    rollcall.answer(
        call_of(world, incident, "Platform"), "affected", by="x", via="email", note="Errors at 20%"
    )
    db.session.commit()
    assert len(staff_alerts()) == 2

    lead_client, other_client = staff(lead), staff(other)
    assert "Platform reports its services are affected: “Errors at 20%”" in waiting(lead_client)
    assert "Platform reports" not in waiting(other_client)  # not their incident

    post_incident_update(None, incident, "resolved", "Fixed.", {})
    db.session.commit()
    assert "Platform reports" not in waiting(lead_client)


def test_the_board_says_what_is_true_now_after_another_incident_resolves(world, make_user, staff):
    outage = declare(world, "Database down", "major", {"Database": "major_outage"})
    later = declare(world, "Slow mobile app", "minor", {"Mobile app": "degraded_performance"})
    # Platform (its Database is down in the other incident) is asked, not all-cleared.
    assert call_of(world, later, "Platform").expected_affected
    client = staff(make_user("comms_lead"))

    def entry(team: str) -> str:
        page = plain(text_of(client.get(f"/internal/incidents/{later.public_id}")))
        return page.split(f"{team} ", 1)[1][:60]

    assert entry("Platform").startswith("asked to confirm (not all operational)")
    post_incident_update(None, outage, "resolved", "Fixed.", {})
    db.session.commit()
    assert entry("Platform").startswith("asked to confirm (all operational now)")
    assert call_of(world, later, "Platform").id not in rollcall.board(later).not_operational
