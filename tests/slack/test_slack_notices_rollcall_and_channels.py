# ruff: noqa: F811 - fixtures imported from tests/slack/notices_kit.py and tests/admin_comms
"""A team's roll call reaches its Slack channel with its two answers as buttons, and is
edited in place once answered; declaring an incident with HERALD_SLACK_INCIDENT_CHANNELS
opens a channel for it, invites the responders and mirrors the timeline; without the
Slack settings nothing of Slack happens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import accounts
from app.comms import rollcall
from app.incidents.services import declare_incident, post_incident_update
from app.models import RollCall
from app.notifier import incident_channels, slack_people
from app.notifier.chat_updates import update_decided_messages
from app.notifier.incident_channels import channel_of, open_incident_channels
from app.notifier.slack_people import match_staff
from core.db import db
from subscribers.models import Broadcast, Delivery
from tests.slack.notices_kit import (  # noqa: F401
    button_ids,
    buttons,
    deliver_slack,
    fake_slack,
    slack_on,
)

TEAM_CHANNEL = "C0PAYTEAM01"


@pytest.fixture(autouse=True)
def _forget_failures():
    incident_channels._failed.clear()
    slack_people._missed.clear()


@pytest.fixture
def payments_team(app, make_component, make_subscriber):
    team = accounts.create_team(None, "Payments")
    api = make_component("Payments API")
    api.team_id = team.id
    db.session.commit()
    # Staff add a Slack destination only while Slack is set up (the tests that switch
    # it off do so afterwards).
    before = {k: app.config.get(k) for k in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")}
    app.config.update(SLACK_BOT_TOKEN=before["SLACK_BOT_TOKEN"] or "xoxb-added-before")
    app.config.update(SLACK_SIGNING_SECRET=before["SLACK_SIGNING_SECRET"] or "added-before")
    make_subscriber(TEAM_CHANNEL, channel="slack", audience="engineering", team_id=team.id)
    app.config.update(before)
    return team, api


def test_a_roll_call_reaches_the_teams_channel_with_its_answers_and_is_edited_once_answered(
    slack_on, payments_team
):
    team, api = payments_team
    incident = declare_incident(None, "Card payments failing", "major", {api: "major_outage"})
    db.session.commit()
    deliver_slack()
    [posted] = slack_on.posted(TEAM_CHANNEL)
    assert button_ids(posted) == [
        "herald_rollcall_operational",
        "herald_rollcall_affected",
        "herald_open",
    ]
    values = {b["value"] for b in buttons(posted) if b["action_id"] != "herald_open"}
    assert values == {f"rollcall:{incident.public_id}:{team.id}"}
    assert [b["text"]["text"] for b in buttons(posted)][:2] == [
        "Our services are operational",
        "We are affected",
    ]
    # Answered elsewhere (the email link's service): the Slack message says so, in place.
    call = db.session.scalar(select(RollCall).where(RollCall.team_id == team.id))
    rollcall.answer(call, "affected", by="email link", via="email")
    db.session.commit()
    assert update_decided_messages() == 1
    now = slack_on.messages[(posted["channel"], posted["ts"])]
    assert "Answered by email link" in now["text"] and "affected" in now["text"]
    assert button_ids(now) == ["herald_open"]
    assert len(slack_on.posted(TEAM_CHANNEL)) == 1


def test_declaring_opens_an_incident_channel_invites_responders_and_mirrors_the_timeline(
    app, slack_on, make_user, make_component
):
    app.config["SLACK_INCIDENT_CHANNELS"] = True
    lead = make_user("comms_lead", email="casey@example.com", name="Casey Lead")
    casey = slack_on.add_user(lead.email)
    match_staff()
    db.session.commit()
    api = make_component("Payments API")
    incident = declare_incident(
        lead, "Card payments failing!", "major", {api: "major_outage"}, body="Looking into it."
    )
    db.session.commit()
    assert open_incident_channels() == 1
    [create] = slack_on.calls("conversations.create")
    name = slack_on.params(create)["name"]
    assert name == f"inc-{incident.started_at:%Y%m%d}-card-payments-failing"
    [invite] = slack_on.calls("conversations.invite")
    assert slack_on.params(invite)["users"] == casey
    channel = channel_of(incident)
    assert channel is not None and channel.address in slack_on.channels
    assert open_incident_channels() == 0  # one channel per incident
    deliver_slack()
    [first] = slack_on.posted(channel.address)
    assert "Investigating" in first["text"] or "Looking into it." in str(first["blocks"])
    post_incident_update(lead, incident, "identified", "The card processor fails.")
    db.session.commit()
    deliver_slack()
    mirrored = slack_on.posted(channel.address)
    assert len(mirrored) == 2
    assert "The card processor fails." in str(mirrored[1]["blocks"])


def test_a_channel_slack_refuses_never_blocks_the_declaration_and_is_tried_again(
    app, slack_on, make_component
):
    app.config["SLACK_INCIDENT_CHANNELS"] = True
    api = make_component("Payments API")
    slack_on.script(500, endpoint="conversations.create")
    incident = declare_incident(None, "Card payments failing", "major", {api: "major_outage"})
    db.session.commit()
    assert open_incident_channels() == 0
    assert channel_of(incident) is None and incident.id is not None
    incident_channels._failed.clear()  # the retry delay has passed
    assert open_incident_channels() == 1


def test_without_the_slack_settings_nothing_of_slack_happens(
    app, fake_slack, make_user, make_component, payments_team
):
    app.config.update(SLACK_INCIDENT_CHANNELS=True, SLACK_API_BASE=fake_slack.base_url)
    lead = make_user("comms_lead", email="casey@example.com")
    lead.slack_user_id = "U0CASEY0001"  # matched once, Slack since switched off
    db.session.commit()
    _, api = payments_team
    declare_incident(lead, "Card payments failing", "major", {api: "major_outage"}, body="x")
    db.session.commit()
    assert match_staff() == 0
    assert open_incident_channels() == 0
    assert update_decided_messages() == 0
    # No staff DM, and the team's own Slack subscriber (added while Slack was set up)
    # gets no delivery that could only fail.
    db.session.expire_all()
    staff_slack = db.session.scalars(
        select(Broadcast).where(Broadcast.source.like("%slack%"))
    ).all()
    assert staff_slack == []
    assert fake_slack.requests == []
    deliver_slack()
    assert db.session.scalars(select(Delivery).where(Delivery.channel == "slack")).all() == []
