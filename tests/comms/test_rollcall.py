"""Roll call and all-clear: declaring an incident asks each team that owns components to
confirm the state of its services (teams whose services look fine get the all-clear);
teams answer from the email link, by SMS reply or on the internal page; the internal
pages show the board; on resolution every team is told."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.comms import rollcall
from app.incidents.services import post_incident_update
from app.models import AuditEvent, PageState, RollCall
from core.db import db
from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.outbox import expand_broadcast
from tests.comms.worldkit import WEB_PHONE, broadcasts, declare, team_broadcasts

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PUBLIC = "https://status.example.com"


@pytest.fixture
def incident(world):
    """The API is down: Platform (owner) and Web (its Dashboard needs the API) are
    affected; Payments and Mobile are not; Support owns nothing."""
    return declare(world, "API errors", "major", {"API": "partial_outage"})


def call_of(world, incident, team: str) -> RollCall:
    db.session.expire_all()
    return db.session.scalar(
        select(RollCall).where(
            RollCall.incident_id == incident.id, RollCall.team_id == world.teams[team].id
        )
    )


def answers(world, incident) -> dict[str, tuple]:
    return {
        team: (call.state, call.answered_via, call.answered_by)
        for team in ("Payments", "Platform", "Web", "Mobile")
        if (call := call_of(world, incident, team)) is not None
    }


def untouched() -> tuple:
    """What an answer changes besides the roll call: the audit log and the page version."""
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.scalar(select(PageState.version)),
    )


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_each_team_owning_components_gets_a_request(world, incident):
    requests = team_broadcasts(world, "roll_call")
    clear = team_broadcasts(world, "all_clear")
    assert sorted(requests) == ["Platform", "Web"]
    assert sorted(clear) == ["Mobile", "Payments"]  # Support owns nothing: not asked
    for team, broadcast in requests.items():
        token = call_of(world, incident, team).token
        question = f"Roll call for {team}: are your services affected by API errors?"
        assert broadcast.subject == question
        assert f"{PUBLIC}/rollcall/{token}/operational" in broadcast.text_body
        assert f"{PUBLIC}/rollcall/{token}/affected" in broadcast.text_body
        assert "reply 1 for operational, 2 for affected" in broadcast.sms_body
    for team, broadcast in clear.items():
        token = call_of(world, incident, team).token
        assert broadcast.subject == f"{team}: your services are operational (API errors)"
        assert "are not affected by **API errors**" in broadcast.text_body
        # Both answers: the team may confirm, or report otherwise.
        assert f"{PUBLIC}/rollcall/{token}/affected" in broadcast.text_body
        assert f"{PUBLIC}/rollcall/{token}/operational" in broadcast.text_body
    assert {c.expected_affected for c in (call_of(world, incident, t) for t in requests)} == {True}
    assert answers(world, incident) == dict.fromkeys(requests | clear, ("pending", "", ""))
    # A team's message reaches its own members only.
    for broadcast in requests.values():
        expand_broadcast(broadcast.id)
    assert requests["Web"].recipients == 2  # web@ and the Web phone
    assert requests["Platform"].recipients == 1


def test_a_team_answers_from_the_email_it_received(app, world, incident, smtp_sink):
    app.config.update(EMAIL_BACKEND="smtp", SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    for broadcast in broadcasts():
        expand_broadcast(broadcast.id)
    drain(channels_for(app, "email")["email"])
    received = {m.recipients[0]: m.message for m in smtp_sink.messages}
    assert set(received) >= {"platform@example.com", "web@example.com", "payments@example.com"}
    email = received["platform@example.com"]
    assert email["Subject"] == "Roll call for Platform: are your services affected by API errors?"
    body = email.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(PUBLIC)}(/rollcall/\S+/affected)", body).group(1)

    # Following the link (as a mail scanner would) records nothing.
    client = app.test_client()
    before = untouched()
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = text_of(page)
    assert "Roll call for Platform" in html and "API errors" in html
    assert "API" in html and "Database" in html  # the team's components
    assert html.count('type="submit"') == 1
    assert "Report: our services are affected" in html
    assert answers(world, incident)["Platform"] == ("pending", "", "")
    assert untouched() == before

    # Pressing the button does.
    token = CSRF_RE.search(html).group(1)
    done = client.post(link, data={"csrf_token": token, "note": "Error rate at 20%"})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert "Platform is recorded as <strong>affected</strong>" in text_of(done)
    call = call_of(world, incident, "Platform")
    assert (call.state, call.answered_via, call.answered_by) == ("affected", "email", "email link")
    assert call.note == "Error rate at 20%" and call.answered_at is not None

    # Changing one's mind: the other link, and the latest answer counts.
    other = link.replace("/affected", "/operational")
    html = text_of(client.get(other))
    assert "Already answered: <strong>affected</strong>" in html
    client.post(other, data={"csrf_token": CSRF_RE.search(html).group(1)})
    assert answers(world, incident)["Platform"] == ("operational", "email", "email link")


def test_a_post_without_the_csrf_token_records_nothing(app, world, incident):
    token = call_of(world, incident, "Web").token
    response = app.test_client().post(f"/rollcall/{token}/operational")
    assert response.status_code == 400
    assert answers(world, incident)["Web"] == ("pending", "", "")


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/rollcall/not-a-real-token/operational", 404, "This link is not valid"),
        ("/rollcall/{token}/broken", 404, "This link is not complete"),
    ],
)
def test_a_bad_link_gets_a_clear_page_and_changes_nothing(app, world, incident, path, status, says):
    client = app.test_client()
    url = path.format(token=call_of(world, incident, "Web").token)
    before = untouched()
    for response in (client.get(url), client.post(url, data={"csrf_token": "x"})):
        assert response.status_code in (status, 400)
    response = client.get(url)
    assert response.status_code == status
    assert says in text_of(response) and "Nothing was recorded" in text_of(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert untouched() == before
    assert answers(world, incident)["Web"] == ("pending", "", "")


def test_on_resolution_every_team_is_told_and_the_roll_call_closes(
    app, world, incident, make_user, staff
):
    client = app.test_client()
    link = f"/rollcall/{call_of(world, incident, 'Web').token}/affected"
    token = CSRF_RE.search(text_of(client.get(link))).group(1)
    post_incident_update(None, incident, "resolved", "The API works again.", {})
    db.session.commit()

    resolved = {
        team: b
        for team, b in team_broadcasts(world, "all_clear").items()
        if "Resolved" in b.subject
    }
    assert sorted(resolved) == ["Mobile", "Payments", "Platform", "Web"]
    assert resolved["Web"].subject == "Resolved: API errors (for Web)"
    assert "has been resolved" in resolved["Web"].text_body

    signed_in = staff(make_user("responder"))
    before = untouched()
    for response in (client.get(link), client.post(link, data={"csrf_token": token})):
        assert response.status_code == 410
        assert "This incident is resolved" in text_of(response)
    web = world.teams["Web"].id
    page = signed_in.get(f"/internal/incidents/{incident.public_id}/rollcall")
    assert "the roll call is closed" in text_of(page)
    assert 'type="submit" aria-label=' not in text_of(page)
    response = signed_in.post(
        f"/internal/incidents/{incident.public_id}/rollcall/{web}", data={"state": "affected"}
    )
    assert "no answer is needed any more" in text_of(signed_in.get(response.headers["Location"]))
    assert untouched() == before
    assert answers(world, incident)["Web"] == ("pending", "", "")


@pytest.mark.parametrize("notify", [True, False])
def test_resolving_through_the_workflow_tells_every_team_unless_nobody_is_notified(
    world, incident, make_user, notify
):
    from app.comms.approval import approve
    from app.comms.context import Facts
    from app.comms.drafting import compose
    from app.comms.publishing import publish

    lead = make_user("comms_lead")
    sheet = compose(
        lead,
        incident,
        status="resolved",
        facts=Facts(summary="The API answers normally again."),
        audiences=["customers", "engineering"],
    )
    approve(make_user("approver"), next(d for d in sheet.drafts if d.needs_approval))
    result = publish(lead, sheet, notify={"customers": notify, "engineering": notify})
    db.session.commit()
    assert incident.status == "resolved"
    assert result.update.deliver_notifications is notify
    resolved = {
        team: b
        for team, b in team_broadcasts(world, "all_clear").items()
        if "Resolved" in b.subject
    }
    if notify:
        assert sorted(resolved) == ["Mobile", "Payments", "Platform", "Web"]
    else:
        assert resolved == {}
    # Each audience hears once, from its own draft: no second, generic update notice.
    sources = {b.source for b in broadcasts()}
    assert not [s for s in sources if s.startswith("incident_update:")]
    drafts = {f"draft:{d.id}" for d in sheet.drafts}
    assert (drafts <= sources) if notify else not (drafts & sources)


def test_a_team_member_answers_by_replying_to_the_sms(app, world, incident, twilio_signer):
    app.config["TWILIO_AUTH_TOKEN"] = twilio_signer.auth_token
    client = app.test_client()

    def text(number: str, body: str):
        signed = twilio_signer.inbound_sms(f"{PUBLIC}/webhooks/twilio/inbound", number, body)
        return client.post(signed.path, data=signed.body, headers=signed.headers)

    response = text(WEB_PHONE, "2")
    assert response.status_code == 200
    assert "thanks, Web is recorded as affected for API errors" in text_of(response)
    assert answers(world, incident)["Web"] == ("affected", "sms", WEB_PHONE)
    text(WEB_PHONE, " ok ")
    assert answers(world, incident)["Web"] == ("operational", "sms", WEB_PHONE)

    # A stranger's number, or a reply that is no answer, changes nothing.
    before = untouched()
    for number, body in (("+14155550999", "1"), (WEB_PHONE, "what is going on?")):
        response = text(number, body)
        assert response.status_code == 200 and "<Message>" not in text_of(response)
    assert untouched() == before
    # An unsigned request is refused.
    response = client.post("/webhooks/twilio/inbound", data={"From": WEB_PHONE, "Body": "2"})
    assert response.status_code == 403
    assert answers(world, incident)["Web"] == ("operational", "sms", WEB_PHONE)


def test_staff_answer_for_a_team_on_the_internal_page(world, incident, make_user, staff):
    viewer = make_user("viewer", team=world.teams["Payments"])
    client = staff(viewer)
    page = client.get(f"/internal/incidents/{incident.public_id}/rollcall")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = text_of(page)
    # Their own team first, then the others; two one-click buttons per team.
    assert html.index("Payments") < html.index("Mobile") < html.index("Platform")
    assert html.count('type="submit" aria-label=') == 8

    payments = world.teams["Payments"].id
    response = client.post(
        f"/internal/incidents/{incident.public_id}/rollcall/{payments}",
        data={"state": "operational"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/internal/incidents/{incident.public_id}/rollcall"
    )
    assert answers(world, incident)["Payments"] == ("operational", "web", viewer.email)
    assert "Recorded Payments as operational." in text_of(client.get(response.headers["Location"]))

    # A made-up answer is refused with a message and changes nothing.
    before = untouched()
    response = client.post(
        f"/internal/incidents/{incident.public_id}/rollcall/{payments}", data={"state": "fine"}
    )
    assert response.status_code == 303
    assert "Answer operational or affected." in text_of(client.get(response.headers["Location"]))
    assert untouched() == before
    missing = client.post(f"/internal/incidents/{incident.public_id}/rollcall/999999")
    assert missing.status_code == 404


def column(html: str, name: str) -> str:
    found = re.search(rf'<section class="card rollcall-{name}">(.*?)</section>', html, re.S)
    return found.group(1)


def test_the_internal_pages_show_the_board(app, world, incident, make_user, staff):
    platform, web = (call_of(world, incident, t) for t in ("Platform", "Web"))
    rollcall.answer(platform, "affected", by="email link", via="email", note="Errors at 20%")
    rollcall.answer(web, "operational", by="sam@example.com", via="web")
    db.session.commit()
    board = rollcall.board(incident)
    assert [c.team.name for c in board.operational] == ["Web"]
    assert [c.team.name for c in board.affected] == ["Platform"]
    assert [c.team.name for c in board.cleared] == ["Mobile", "Payments"]  # told all-clear
    assert board.waiting == []

    client = staff(make_user("viewer"))
    for url in (f"/internal/incidents/{incident.public_id}", "/internal/"):
        html = text_of(client.get(url))
        assert "Team roll call" in html
        operational, affected = column(html, "operational"), column(html, "affected")
        cleared = column(html, "cleared")
        assert "Confirmed operational (1)" in operational and "Web" in operational
        assert "by sam@example.com on the internal page" in operational
        assert "Reported affected (1)" in affected and "Platform" in affected
        assert "via the email link" in affected and "Errors at 20%" in affected
        assert "All-clear sent, not answered (2)" in cleared
        assert "Mobile" in cleared and "Payments" in cleared
        assert "Not answered (0)" in column(html, "waiting")
        assert f'href="/internal/incidents/{incident.public_id}/rollcall"' in html
        # These pages are cached and shared by all staff: no forms, no tokens.
        assert "csrf_token" not in html and "<form" not in html

    # An answer changes the cached pages at once.
    rollcall.answer(call_of(world, incident, "Mobile"), "affected", by="+1555", via="sms")
    db.session.commit()
    html = text_of(client.get(f"/internal/incidents/{incident.public_id}"))
    assert "Reported affected (2)" in column(html, "affected")
    assert "by text message from +1555" in column(html, "affected")
    # The public incident page shows none of it.
    public = text_of(app.test_client().get(f"/incidents/{incident.public_id}"))
    assert "Team roll call" not in public and "Platform" not in public
