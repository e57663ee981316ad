"""The roll call never tells a team something false: the all-clear goes only to a team
whose components are all operational on the status page (across every open incident and
running maintenance); any other team is asked, and told which component is not
operational, how, and because of what; a team told all-clear is asked again when one of
its components degrades later."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.comms import rollcall
from app.incidents.services import post_incident_update
from app.models import RollCall
from app.status.components import set_component_status
from core.db import db
from subscribers.channels.segments import segment_count
from tests.comms.worldkit import broadcasts, declare

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PUBLIC = "https://status.example.com"


@pytest.fixture
def slow_app(world):
    """The first incident: the Mobile app is slow (Mobile's only component)."""
    return declare(world, "Slow mobile app", "minor", {"Mobile app": "degraded_performance"})


@pytest.fixture
def api_errors(world, slow_app):
    """The second incident, while the first is open: the API (Platform) fails partly, and
    the Dashboard (Web) with it."""
    return declare(world, "API errors", "major", {"API": "partial_outage"})


def sent_to(world, incident, team: str) -> dict[str, object]:
    """What ``team`` was sent about ``incident``: phase (all_clear, roll_call,
    roll_call_again, resolved) → the broadcast."""
    prefix = f"incident:{incident.id}:"
    suffix = f":team:{world.teams[team].id}"
    return {
        b.source[len(prefix) : -len(suffix)]: b
        for b in broadcasts()
        if b.source.startswith(prefix) and b.source.endswith(suffix)
    }


def call_of(world, incident, team: str) -> RollCall:
    db.session.expire_all()
    return db.session.scalar(
        select(RollCall).where(
            RollCall.incident_id == incident.id, RollCall.team_id == world.teams[team].id
        )
    )


def links(call: RollCall) -> tuple[str, str]:
    return (
        f"{PUBLIC}/rollcall/{call.token}/operational",
        f"{PUBLIC}/rollcall/{call.token}/affected",
    )


def text_of(response) -> str:
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    """The page's words as a screen reader reads them: no tags, no hidden icons."""
    html = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', " ", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_team_degraded_by_another_open_incident_is_asked_not_all_cleared(
    app, world, slow_app, api_errors, staff, make_user
):
    assert {team: sorted(sent_to(world, api_errors, team)) for team in world.teams} == {
        "Payments": ["all_clear"],
        "Platform": ["roll_call"],
        "Web": ["roll_call"],
        "Mobile": ["roll_call"],  # its Mobile app is slow, from the other incident
        "Support": [],
    }
    mobile = sent_to(world, api_errors, "Mobile")["roll_call"]
    assert mobile.subject == "Roll call for Mobile: are your services affected by API errors?"
    assert (
        "- Mobile app: Degraded performance, caused by another open incident, Slow mobile app"
        in mobile.text_body
    )
    platform = sent_to(world, api_errors, "Platform")["roll_call"].text_body
    assert "- API: Partial outage, caused by this incident" in platform
    assert "- Database" not in platform  # operational: not listed as a problem
    web = sent_to(world, api_errors, "Web")["roll_call"].text_body
    assert (
        "- Dashboard: Partial outage, caused by this incident; depends on API (partial outage)"
        in web
    )
    for team in ("Mobile", "Platform", "Web"):
        body = sent_to(world, api_errors, team)["roll_call"].text_body
        assert "not affected" not in body and "No action" not in body
        operational, affected = links(call_of(world, api_errors, team))
        # Mobile's slow app is another incident's: its first answer says what its answer
        # page says (found by a new user: the email offered "Our services are operational").
        first = (
            "This incident does not affect our services"
            if team == "Mobile"
            else "Our services are operational"
        )
        assert f"**{first}:** {operational}" in body
        # And in chat, where the team answers with a button.
        actions = sent_to(world, api_errors, team)["roll_call"].chat_actions
        assert actions[0]["label"] == first
        assert f"**We are affected:** {affected}" in body
        assert call_of(world, api_errors, team).expected_affected is True

    # The one team whose components are all operational is told so, and can answer both.
    clear = sent_to(world, api_errors, "Payments")["all_clear"]
    assert clear.subject == "Payments: your services are operational (API errors)"
    assert "(Card payments) are not affected by **API errors**" in clear.text_body
    operational, affected = links(call_of(world, api_errors, "Payments"))
    assert f"**Our services are operational:** {operational}" in clear.text_body
    assert f"**We are affected:** {affected}" in clear.text_body

    # Each team's roll-call page says the same as its email.
    client = app.test_client()
    mobile_page = plain(
        text_of(client.get(f"/rollcall/{call_of(world, api_errors, 'Mobile').token}/affected"))
    )
    assert "The status page shows 1 of the services owned by Mobile as not operational" in (
        mobile_page
    )
    assert (
        "Mobile app Degraded performance caused by another open incident, Slow mobile app"
        in mobile_page
    )
    assert "does not show" not in mobile_page
    # Its services are not all operational (another incident holds one): its
    # "operational" answer says this incident does not affect them, and thanks it so.
    mobile_token = call_of(world, api_errors, "Mobile").token
    answer = text_of(client.get(f"/rollcall/{mobile_token}/operational"))
    assert "Confirm: this incident does not affect our services" in answer
    assert "Confirm: our services are operational" not in answer
    action, token, _ = form_of(answer)
    thanks = plain(text_of(client.post(action, data={"csrf_token": token})))
    assert "The incident team sees that API errors does not affect your services" in thanks
    assert "Mobile is recorded as not affected by API errors" in thanks
    lead = staff(make_user("comms_lead"))
    board = plain(text_of(lead.get(f"/internal/incidents/{api_errors.public_id}")))
    assert "not affected by this incident; not all operational now" in board
    assert "sees that your services are operational" not in thanks
    # A team whose service this incident holds is asked plainly (found by a new user:
    # "does not affect our services" under "caused by this incident").
    web_token = call_of(world, api_errors, "Web").token
    answer = text_of(client.get(f"/rollcall/{web_token}/operational"))
    assert "Confirm: our services are operational" in answer
    assert "does not affect our services" not in answer
    web_page = plain(
        text_of(client.get(f"/rollcall/{call_of(world, api_errors, 'Web').token}/operational"))
    )
    assert "Dashboard Partial outage caused by this incident; depends on API" in web_page
    payments_page = plain(
        text_of(client.get(f"/rollcall/{call_of(world, api_errors, 'Payments').token}/affected"))
    )
    assert "The status page shows every service owned by Payments as operational" in (payments_page)
    assert "Card payments Operational" in payments_page


def test_the_second_incident_asks_the_teams_it_degrades_and_the_first_does_not_again(
    world, slow_app, api_errors
):
    assert {team: sorted(sent_to(world, slow_app, team)) for team in world.teams} == {
        "Payments": ["all_clear"],
        # Its API failed later, by the second incident alone: that one asks (below), so
        # the first does not ask again about something that is not its own.
        "Platform": ["all_clear"],
        "Web": ["all_clear"],  # its Dashboard needs the API
        "Mobile": ["roll_call"],
        "Support": [],
    }
    asked = sent_to(world, api_errors, "Platform")["roll_call"]
    assert "API errors" in asked.subject
    assert call_of(world, slow_app, "Platform").expected_affected is False
    assert call_of(world, api_errors, "Platform").expected_affected is True


def test_a_later_degradation_asks_an_all_cleared_team_again_once(world, slow_app, api_errors):
    # Payments confirmed operational after the all-clear; then its component degrades.
    rollcall.answer(call_of(world, api_errors, "Payments"), "operational", by="x", via="web")
    db.session.commit()
    post_incident_update(
        None,
        api_errors,
        "identified",
        "Card payments are slow too.",
        {world.components["Card payments"]: "degraded_performance"},
    )
    db.session.commit()
    again = sent_to(world, api_errors, "Payments")["roll_call_again"]
    assert "- Card payments: Degraded performance, caused by this incident" in again.text_body
    assert again.sms_body.startswith("Herald Status: asked again, API errors - are your")
    assert segment_count(again.sms_body) <= 2
    call = call_of(world, api_errors, "Payments")
    # Its earlier answer no longer holds: the board shows it as asked, not answered.
    assert (call.state, call.answered_at, call.expected_affected) == ("pending", None, True)
    assert [c.team.name for c in rollcall.board(api_errors).waiting] == [
        "Mobile",
        "Payments",
        "Platform",
        "Web",
    ]
    # The other open incident does not ask about what this one did.
    assert "roll_call_again" not in sent_to(world, slow_app, "Payments")

    # Worse again: the team is already asked, so it is not asked a third time.
    count = len(broadcasts("roll_call"))
    set_component_status(None, world.components["Card payments"], "major_outage")
    db.session.commit()
    assert len(broadcasts("roll_call")) == count


def test_a_status_set_by_hand_asks_again_and_says_no_incident_causes_it(world, api_errors):
    set_component_status(None, world.components["Card payments"], "partial_outage")
    db.session.commit()
    body = sent_to(world, api_errors, "Payments")["roll_call_again"].text_body
    assert "- Card payments: Partial outage, not caused by an open incident" in body


def test_a_team_that_reported_affected_is_not_asked_again(world, api_errors):
    rollcall.answer(call_of(world, api_errors, "Payments"), "affected", by="x", via="sms")
    db.session.commit()
    set_component_status(None, world.components["Card payments"], "partial_outage")
    db.session.commit()
    assert "roll_call_again" not in sent_to(world, api_errors, "Payments")
    assert call_of(world, api_errors, "Payments").state == "affected"


def test_running_maintenance_by_the_clock_keeps_a_team_from_the_all_clear(world, make_user):
    from datetime import timedelta

    from app.maintenance.services import schedule_maintenance
    from core.time import utcnow

    now = utcnow()
    window = schedule_maintenance(
        None,
        "Card processor upgrade",
        now + timedelta(minutes=10),
        now + timedelta(hours=1),
        [world.components["Card payments"]],
        body="Upgrading the card processor.",
        deliver_notifications=False,
    )
    # Time passes: its start is behind us, but no worker has committed it yet, so only
    # the clock (as every page reads it) says that it runs.
    window.scheduled_for = now - timedelta(minutes=5)
    db.session.commit()
    assert world.components["Card payments"].status == "operational"
    incident = declare(world, "API errors", "major", {"API": "partial_outage"})
    sent = sent_to(world, incident, "Payments")
    assert sorted(sent) == ["roll_call"]
    assert (
        "- Card payments: Under maintenance, caused by the maintenance Card processor upgrade"
        in sent["roll_call"].text_body
    )


def form_of(html: str) -> tuple[str, str, int]:
    """The page's one answer form: (its action, its CSRF token, how many buttons)."""
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    return action, CSRF_RE.search(html).group(1), html.count('type="submit"')


def test_an_all_cleared_team_confirms_or_reports_from_its_email(app, world, api_errors):
    body = sent_to(world, api_errors, "Payments")["all_clear"].text_body
    operational = re.search(r"\*\*Our services are operational:\*\* (\S+)", body).group(1)
    affected = re.search(r"\*\*We are affected:\*\* (\S+)", body).group(1)
    client = app.test_client()
    for link, button in (
        (operational, "Confirm: our services are operational"),
        (affected, "Report: our services are affected"),
    ):
        # One click opens a page with one button; opening it answers nothing.
        html = text_of(client.get(link.removeprefix(PUBLIC)))
        assert button in html and form_of(html)[2] == 1
        assert call_of(world, api_errors, "Payments").state == "pending"

    html = text_of(client.get(operational.removeprefix(PUBLIC)))
    action, token, _ = form_of(html)
    thanks = text_of(client.post(action, data={"csrf_token": token}))
    words = plain(thanks)
    assert "Payments is recorded as operational for API errors" in words
    assert "The incident team sees that your services are operational" in words
    assert call_of(world, api_errors, "Payments").state == "operational"
    board = rollcall.board(api_errors)
    assert [c.team.name for c in board.operational] == ["Payments"]  # answered, not "cleared"
    assert board.cleared == []

    # The thank-you page offers the other answer in place: one button, one click.
    action, token, buttons = form_of(thanks)
    assert action == f"/rollcall/{call_of(world, api_errors, 'Payments').token}/affected"
    assert buttons == 1 and "Report: our services are affected" in thanks
    thanks = text_of(client.post(action, data={"csrf_token": token, "note": "Refunds fail"}))
    words = plain(thanks)
    assert "Payments is recorded as affected for API errors" in words
    assert "The staff running the incident are emailed now, with your note" in words
    assert "Confirm: our services are operational" in thanks
    call = call_of(world, api_errors, "Payments")
    assert (call.state, call.note) == ("affected", "Refunds fail")


def test_the_board_shows_four_states_and_alerts_the_incident_team(world, make_user, staff):
    incident = declare(world, "API errors", "major", {"API": "partial_outage"})
    # Platform and Web are asked; Payments and Mobile are told all-clear.
    rollcall.answer(
        call_of(world, incident, "Platform"),
        "affected",
        by="email link",
        via="email",
        note="Error rate at 20%",
    )
    rollcall.answer(call_of(world, incident, "Payments"), "operational", by="x", via="sms")
    db.session.commit()
    client = staff(make_user("comms_lead"))
    internal = text_of(client.get(f"/internal/incidents/{incident.public_id}"))
    columns = {
        name: plain(
            re.search(
                rf'<section class="card rollcall-{name}">(.*?)</section>', internal, re.S
            ).group(1)
        )
        for name in ("operational", "affected", "cleared", "waiting")
    }
    assert columns["operational"].startswith("Confirmed operational (1) Payments")
    assert columns["affected"].startswith("Reported affected (1) Platform")
    assert columns["cleared"].startswith("All-clear sent, not answered (1) Mobile")
    assert columns["waiting"].startswith("Not answered (1) Web")

    alert = "Platform reports its services are affected: “Error rate at 20%”"
    for url in (
        f"/internal/incidents/{incident.public_id}",
        f"/admin/incidents/{incident.id}",
        f"/internal/incidents/{incident.public_id}/rollcall",
    ):
        html = text_of(client.get(url))
        shown = re.search(
            r'<div class="flash flash-error rollcall-alert" role="alert">(.*?)</div>', html, re.S
        )
        assert shown is not None, url
        assert alert in plain(shown.group(1))
    # No alert while no team reports a problem.
    rollcall.answer(
        call_of(world, incident, "Web"), "affected", by="x", via="web", note="Pages fail."
    )
    rollcall.answer(call_of(world, incident, "Platform"), "operational", by="x", via="web")
    db.session.commit()
    assert "Platform reports" not in text_of(client.get(f"/admin/incidents/{incident.id}"))
    # Every team asked has answered, but an all-clear still waits: the board says both.
    internal = plain(text_of(client.get(f"/internal/incidents/{incident.public_id}")))
    assert (
        "Every team asked has answered; 1 team told all-clear has not confirmed it yet." in internal
    )
    # Once the incident is resolved, a report is history, not an alert (found by a new
    # user: a resolved incident kept its red alert).
    post_incident_update(None, incident, "resolved", "Fixed.", {})
    db.session.commit()
    for url in (f"/internal/incidents/{incident.public_id}", f"/admin/incidents/{incident.id}"):
        html = text_of(client.get(url))
        assert 'role="alert"' not in html, url
        assert "Web reported its services affected during the incident: “Pages fail.”" in (
            plain(html)
        ), url
        assert "“Pages fail.”." not in plain(html)


def test_the_resolved_notice_never_tells_a_team_degraded_by_another_incident_all_is_well(
    world, slow_app, api_errors
):
    """Found by a new user: resolving one incident told a team whose component another
    open incident still degraded "No further action is needed from you"."""
    post_incident_update(
        None, api_errors, "resolved", "The API is back.", {world.components["API"]: "operational"}
    )
    db.session.commit()
    mobile = sent_to(world, api_errors, "Mobile")["resolved"]
    assert "No further action" not in mobile.text_body
    assert "still not operational" in mobile.text_body
    assert "Mobile app: Degraded performance" in mobile.text_body
    assert "Slow mobile app" in mobile.text_body  # the cause
    payments = sent_to(world, api_errors, "Payments")["resolved"]
    assert "No further action is needed from you" in payments.text_body


def test_resolving_tells_affected_teams_their_services_are_back_unless_another_incident_holds_them(
    world,
):
    """Found by a persona tryout: the resolved notice never told the team whose services
    the incident degraded that they were operational again. Two open incidents: one
    takes down the API (Platform; the Dashboard of Web depends on it) and Card payments,
    the other still degrades Card payments. Resolving the first tells Platform and Web
    their services are back; Payments is told Card payments is still degraded, and by
    which incident, never that it is operational."""
    outage = declare(
        world, "API outage", "major", {"API": "partial_outage", "Card payments": "partial_outage"}
    )
    terminals = declare(
        world, "Card terminal errors", "minor", {"Card payments": "degraded_performance"}
    )
    rollcall.answer(call_of(world, outage, "Web"), "affected", by="x", via="web")
    post_incident_update(None, outage, "resolved", "The API is back.", {})
    db.session.commit()
    assert world.components["API"].status == "operational"
    assert world.components["Card payments"].status == "degraded_performance"

    platform = sent_to(world, outage, "Platform")["resolved"]
    assert "this incident affected are operational again: API." in platform.text_body
    assert "Operational again: API." in platform.sms_body
    assert "still not operational" not in platform.text_body
    web = sent_to(world, outage, "Web")["resolved"]
    assert "operational again: Dashboard." in web.text_body
    # Thanked for its help only by a team that gave some: Web answered, Platform did not.
    assert "Thank you for your help" in web.text_body
    assert "Thank you" not in platform.text_body + platform.sms_body
    assert "No further action needed." in platform.sms_body

    payments = sent_to(world, outage, "Payments")["resolved"]
    assert "operational again" not in payments.text_body.lower()
    assert "still not operational" in payments.text_body
    assert "Card payments: Degraded performance" in payments.text_body
    assert "Card terminal errors" in payments.text_body  # the incident that holds it
    assert "Still not operational: Card payments." in payments.sms_body

    # A team this incident never touched is thanked, not told anything came back.
    mobile = sent_to(world, outage, "Mobile")["resolved"]
    assert "operational again" not in mobile.text_body.lower()
    assert "No further action is needed from you" in mobile.text_body

    # Resolving the second incident tells Payments its service is back.
    post_incident_update(None, terminals, "resolved", "Card terminals work again.", {})
    db.session.commit()
    payments = sent_to(world, terminals, "Payments")["resolved"]
    assert "operational again: Card payments." in payments.text_body
    assert "still not operational" not in payments.text_body
