"""The lead drafts one update for the teams (the mission's "teams that are not affected")
from the fact sheet; each team that owns components gets it with, under it, what the
pages show for its own services when it is sent: not affected; affected by this incident
(which, how, and the roll call's answers); or not affected by this one while another
cause holds some. Two incidents are open at once, as on a bad day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.comms.checks import check_texts
from app.comms.context import Facts
from app.comms.drafting import compose
from app.comms.publishing import publish
from app.models import Communication, utcnow
from app.notifier.reach import reach_of
from app.status.components import set_component_status
from core.db import db
from core.errors import ServiceError
from subscribers import registry
from subscribers.channels.segments import segment_count
from subscribers.models import Delivery
from subscribers.outbox import expand_broadcast
from tests.comms.test_rollcall_truth import call_of, links
from tests.comms.worldkit import WEB_PHONE, broadcasts, declare

FACTS = Facts(
    summary="Some requests to the API fail; we have found why and are fixing it.",
    next_update_at=None,
)


# How the checks are asked about an SMS alone (a teams draft of an identified update).
CHECKED_AS = {
    "tone": "plain",
    "status": "identified",
    "facts": Facts(summary="x"),
    "first_update": False,
    "sms_max_segments": 2,
    "page_max_chars": 1500,
}


@pytest.fixture
def two_incidents(world):
    """The Mobile app is slow (one incident); then the API fails partly (another), and
    the Dashboard with it through its dependency."""
    declare(world, "Slow mobile app", "minor", {"Mobile app": "degraded_performance"})
    return declare(world, "API errors", "major", {"API": "partial_outage"}, visibility="internal")


def teams_set(lead, incident, status="identified"):
    return compose(
        lead,
        incident,
        status=status,
        facts=Facts(FACTS.summary, next_update_at=utcnow() + timedelta(minutes=30)),
        audiences=["engineering", "teams"],
    )


def sent_to_teams(world, sheet) -> dict[str, object]:
    """Each team's broadcast of the set's teams draft, by team name."""
    draft = next(d for d in sheet.drafts if d.audience_key == "teams")
    names = {team.id: name for name, team in world.teams.items()}
    return {
        names[b.team_id]: b
        for b in broadcasts("update")
        if b.source.startswith(f"draft:{draft.id}:team:")
    }


def test_each_team_reads_the_leads_update_and_the_truth_about_its_own_services(
    world, make_user, two_incidents
):
    lead = make_user("comms_lead")
    sheet = teams_set(lead, two_incidents)
    teams_draft = next(d for d in sheet.drafts if d.audience_key == "teams")
    assert not teams_draft.needs_approval  # an internal audience
    assert [f for f in teams_draft.findings if f["severity"] == "error"] == []
    assert teams_draft.email_subject == "API errors (identified, major impact)"
    publish(lead, sheet)
    db.session.commit()

    sent = sent_to_teams(world, sheet)
    assert sorted(sent) == ["Mobile", "Payments", "Platform", "Web"]  # Support owns nothing
    for body in (b.text_body for b in sent.values()):
        assert FACTS.summary in body  # the lead's words reach every team

    # Payments: all its services operational: told so, nothing to do.
    payments = sent["Payments"]
    assert payments.subject == "Payments: not affected · API errors (identified, major impact)"
    assert "shows all the services you own as operational" in payments.text_body
    assert "No action is needed from you" in payments.text_body
    assert links(call_of(world, two_incidents, "Payments"))[1] in payments.text_body

    # Platform: its API is down by this incident: named, with both answers.
    platform = sent["Platform"]
    assert platform.subject.startswith("Platform: affected · API errors")
    assert "- API: Partial outage, caused by this incident" in platform.text_body
    assert "No action is needed" not in platform.text_body
    operational, affected = links(call_of(world, two_incidents, "Platform"))
    assert f"**Our services are operational:** {operational}" in platform.text_body
    assert f"**We are affected:** {affected}" in platform.text_body

    # Web: its Dashboard is down through its dependency on the API; its phone's SMS
    # says so before the incident's link, within the audience's two segments.
    web = sent["Web"]
    assert "- Dashboard: Partial outage, caused by this incident; depends on API" in (web.text_body)
    assert "Your services affected: Dashboard. https://" in web.sms_body
    assert web.sms_body.endswith(f"/internal/incidents/{two_incidents.public_id}")
    assert segment_count(web.sms_body) <= 2

    # Mobile: degraded by the OTHER incident. Never told its services are operational,
    # nor that this incident is its cause.
    mobile = sent["Mobile"]
    assert mobile.subject.startswith("Mobile: not affected by this incident · ")
    assert "Not by this incident. Other causes: Mobile app. https://" in mobile.sms_body
    assert "This incident does not affect the services you own" in mobile.text_body
    assert (
        "- Mobile app: Degraded performance, caused by another open incident, Slow mobile app"
        in mobile.text_body
    )
    assert "as operational" not in mobile.text_body
    assert "**This incident does not affect our services:**" in mobile.text_body
    assert mobile.chat_actions[0]["label"] == "This incident does not affect our services"

    # Only the teams got it; each once, logged as the lead's draft to that team.
    assert {b.audience.key for b in sent.values()} == {"teams"}
    logged = db.session.scalars(
        select(Communication).where(Communication.draft_id == teams_draft.id)
    ).all()
    assert sorted(c.summary for c in logged) == [
        "identified: to Mobile (not affected by this incident)",
        "identified: to Payments (not affected)",
        "identified: to Platform (affected)",
        "identified: to Web (affected)",
    ]
    assert all(c.drafted_by_id == lead.id and c.published_by_id == lead.id for c in logged)
    publish(lead, sheet)  # pressed again: nothing more goes out
    db.session.commit()
    assert len(sent_to_teams(world, sheet)) == 4


def test_the_next_update_tells_a_team_what_changed_for_it_since(world, make_user, two_incidents):
    lead = make_user("comms_lead")
    publish(lead, teams_set(lead, two_incidents))
    db.session.commit()
    # Card payments degrades by hand, outside either incident: Payments is no longer
    # "not affected" in the next update, and is not told this incident does or does not
    # cause it (the pages name no cause).
    set_component_status(None, world.components["Card payments"], "degraded_performance")
    db.session.commit()
    later = teams_set(lead, two_incidents, status="monitoring")
    publish(lead, later)
    db.session.commit()
    payments = sent_to_teams(world, later)["Payments"]
    assert payments.subject.startswith("Payments: some services not operational · ")
    assert "does not link them to this incident" in payments.text_body
    assert "- Card payments: Degraded performance, not caused by an open incident" in (
        payments.text_body
    )
    assert "as operational" not in payments.text_body
    assert "This incident does not affect the services you own" not in payments.text_body
    # Its answer is worded as its roll call page words it (no down service is this one's).
    assert "**This incident does not affect our services:**" in payments.text_body


def test_the_lead_sees_before_publishing_what_each_team_will_read_and_how_many_it_reaches(
    world, make_user, two_incidents, staff
):
    lead = make_user("comms_lead")
    sheet = teams_set(lead, two_incidents)
    db.session.commit()
    reach = {r.draft.audience_key: r for r in reach_of(sheet)}
    # Four team addresses by email and the Web team's phone; nobody else's subscribers.
    assert reach["teams"].channels == {"email": 4, "sms": 1}
    assert reach["teams"].people == 5
    page = staff(lead).get(f"/admin/fact-sheets/{sheet.public_id}").get_data(as_text=True)
    assert "Each team reads this text, then what the pages show for its own services" in page
    assert "<strong>Payments</strong>: not affected</li>" in page
    assert "(its component statuses applied)" in page
    assert "<strong>Mobile</strong>: not affected by this incident (Mobile app: Degraded" in page
    assert "<strong>Platform</strong>: affected (API: Partial outage, caused by this" in page


def resolving_set(world, lead, incident):
    """The lead resolves ``incident`` for the engineers and the teams."""
    return compose(
        lead,
        incident,
        status="resolved",
        facts=Facts("The API answers normally again."),
        audiences=["engineering", "teams"],
        components={world.components["API"]: "operational"},
    )


def test_a_resolved_update_leaves_the_teams_to_herald(world, make_user, two_incidents):
    """Resolving with every audience (from Slack, the API or the composer) drafts for all
    but the teams; the teams hear it from Herald itself, once each."""
    lead = make_user("comms_lead")
    sheet = resolving_set(world, lead, two_incidents)
    assert [d.audience_key for d in sheet.drafts] == ["engineering"]
    publish(lead, sheet)
    db.session.commit()
    resolved = [b for b in broadcasts("all_clear") if ":resolved:team:" in b.source]
    assert len(resolved) == 4  # every team that owns components, once
    with pytest.raises(ServiceError, match="Herald tells every team itself"):
        compose(lead, two_incidents, status="resolved", facts=FACTS, audiences=["teams"])


def test_a_team_that_reported_affected_is_never_told_it_is_not(world, make_user, two_incidents):
    from app.comms import rollcall

    lead = make_user("comms_lead")
    call = call_of(world, two_incidents, "Payments")
    rollcall.answer(call, "affected", by="payments@example.com", via="email", note="auths fail")
    db.session.commit()
    sheet = teams_set(lead, two_incidents)
    publish(lead, sheet)
    db.session.commit()
    payments = sent_to_teams(world, sheet)["Payments"]
    assert payments.subject.startswith("Payments: you reported affected · ")
    assert "You told us your services are affected (“auths fail”)" in payments.text_body
    assert "not affected" not in payments.text_body + payments.sms_body
    assert "No action" not in payments.text_body


def test_the_preview_counts_the_sets_own_component_statuses(world, make_user, two_incidents, staff):
    """A set that takes Card payments down previews Payments as affected, as it will be
    told when the set is published (its statuses are applied first)."""
    lead = make_user("comms_lead")
    sheet = compose(
        lead,
        two_incidents,
        status="identified",
        facts=Facts(FACTS.summary, next_update_at=utcnow() + timedelta(minutes=30)),
        audiences=["engineering", "teams"],
        components={
            world.components["API"]: "partial_outage",
            world.components["Card payments"]: "major_outage",
        },
    )
    db.session.commit()
    page = staff(lead).get(f"/admin/fact-sheets/{sheet.public_id}").get_data(as_text=True)
    assert "<strong>Payments</strong>: affected (Card payments: Major outage, caused by this" in (
        page
    )
    publish(lead, sheet)
    db.session.commit()
    assert sent_to_teams(world, sheet)["Payments"].subject.startswith("Payments: affected · ")


def test_the_teams_sms_check_counts_the_line_each_team_gets(app):
    sms = "a" * 280  # within two segments of the limit, before the team's line
    plain = check_texts({"sms_text": sms}, audience_key="engineering", **CHECKED_AS)
    teams = check_texts({"sms_text": sms}, audience_key="teams", **CHECKED_AS)
    assert not [f for f in plain if f.code == "sms_too_long"]
    too_long = [f for f in teams if f.code == "sms_too_long"]
    assert too_long and "the line about each team's services" in too_long[0].message


def test_the_phone_number_of_the_web_team_gets_the_sms(world, make_user, two_incidents):
    lead = make_user("comms_lead")
    sheet = teams_set(lead, two_incidents)
    publish(lead, sheet)
    db.session.commit()
    web = sent_to_teams(world, sheet)["Web"]
    expand_broadcast(web.id)
    db.session.commit()
    addresses = set(
        db.session.scalars(select(Delivery.address).where(Delivery.broadcast_id == web.id))
    )
    assert addresses == {"web@example.com", WEB_PHONE}


def test_a_person_on_a_teams_list_gets_one_copy_the_teams_one(world, make_user, two_incidents):
    """Team addresses are often engineering subscribers too: with the teams told, they get
    the teams' text (with their own services) and not the engineers' as well; without
    the teams in the set, the engineers' text reaches them as before."""
    lead = make_user("comms_lead")
    other_engineer, _ = registry.add_internal("email", "sre@example.com", "engineering")
    db.session.commit()
    sheet = teams_set(lead, two_incidents)
    reach = {r.draft.audience_key: r for r in reach_of(sheet)}
    assert reach["engineering"].channels == {"email": 1} and reach["engineering"].people == 1
    publish(lead, sheet)
    db.session.commit()
    engineering = next(d for d in sheet.drafts if d.audience_key == "engineering")
    expand_broadcast(engineering.broadcast_id)
    for broadcast in sent_to_teams(world, sheet).values():
        expand_broadcast(broadcast.id)
    db.session.commit()
    got = {}
    for address, broadcast_id in db.session.execute(
        select(Delivery.address, Delivery.broadcast_id).where(
            Delivery.broadcast_id.in_(
                [engineering.broadcast_id, *[b.id for b in sent_to_teams(world, sheet).values()]]
            )
        )
    ):
        got.setdefault(address, []).append(broadcast_id)
    assert got[other_engineer.address] == [engineering.broadcast_id]
    assert all(len(ids) == 1 for ids in got.values()), got
    assert len(got) == 6  # four team addresses, the Web team's phone, the other engineer

    alone = compose(
        lead,
        two_incidents,
        status="monitoring",
        facts=Facts(FACTS.summary, next_update_at=utcnow() + timedelta(minutes=30)),
        audiences=["engineering"],
    )
    assert {r.draft.audience_key: r.people for r in reach_of(alone)} == {"engineering": 6}


def test_the_teams_audience_is_not_a_list_nor_an_escalation_target(world):
    from app.comms.escalation import save_rule

    with pytest.raises(ServiceError, match="choose a team"):
        registry.add_internal("email", "someone@example.com", "teams")
    with pytest.raises(ServiceError, match="Escalation cannot alert the teams"):
        save_rule(None, None, name="All teams", min_impact="major", tier=None, audience_key="teams")
    db.session.rollback()


def test_a_component_name_outside_gsm7_is_counted_in_the_teams_sms_room(app, world):
    sms = "a" * 60  # fits two UCS-2 segments (134) with a 61-character line, not one
    assert not [
        f
        for f in check_texts({"sms_text": sms}, audience_key="teams", **CHECKED_AS)
        if f.code == "sms_too_long"
    ]
    world.components["Mobile app"].name = "Mobile app — iOS"
    db.session.commit()
    sms = "a" * 80  # 80 + 61 UCS-2 characters: three segments
    too_long = [
        f
        for f in check_texts({"sms_text": sms}, audience_key="teams", **CHECKED_AS)
        if f.code == "sms_too_long"
    ]
    assert too_long, "a UCS-2 team line must be counted as UCS-2"


def test_at_resolution_a_team_list_gets_herald_s_notice_alone_and_the_figures_count_it(
    world, make_user, two_incidents
):
    """Found by a new user: every team list got the engineers' resolved text and Herald's
    own notice to the team, and the figures before publishing counted neither twice nor
    the notices. A team that owns nothing is no team list here: its people keep the
    engineers' text."""
    lead = make_user("comms_lead")
    support_team_member, _ = registry.add_internal(
        "email", "support@example.com", "engineering", team_id=world.teams["Support"].id
    )
    db.session.commit()
    sheet = resolving_set(world, lead, two_incidents)
    db.session.commit()
    reach = reach_of(sheet)
    by_label = {r.label or r.draft.audience_key: r for r in reach}
    assert by_label["engineering"].channels == {"email": 1}  # the Support team's address
    assert by_label["Teams (Herald's resolved notice)"].channels == {"email": 4, "sms": 1}
    publish(lead, sheet)
    db.session.commit()
    engineering = next(d for d in sheet.drafts if d.audience_key == "engineering")
    notices = [b for b in broadcasts("all_clear") if ":resolved:team:" in b.source]
    ids = [engineering.broadcast_id, *[b.id for b in notices]]
    for broadcast_id in ids:
        expand_broadcast(broadcast_id)
    db.session.commit()
    got = {}
    for address, broadcast_id in db.session.execute(
        select(Delivery.address, Delivery.broadcast_id).where(Delivery.broadcast_id.in_(ids))
    ):
        got.setdefault(address, []).append(broadcast_id)
    assert got[support_team_member.address] == [engineering.broadcast_id]
    assert all(len(told) == 1 for told in got.values()), got
    assert sum(r.total for r in reach) == len(got) == 6


def test_a_long_team_line_is_cut_between_words_in_gsm7():
    from app.notifier.team_updates import _fit

    line = _fit("Not by this incident. Other causes: Card payments and Card processor.")
    assert line == "Not by this incident. Other causes: Card payments and..."
    assert len(line) <= 60
