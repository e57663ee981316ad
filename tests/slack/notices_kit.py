"""Shared pieces of the tests of what Herald posts to Slack: a FakeSlack wired into the
app's settings, and the worker's steps run by hand (expand, send Slack, the jobs)."""

from __future__ import annotations

import pytest
from flask import current_app

from core.db import db
from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.outbox import expand_broadcast, pending_broadcast_ids
from tests.fakes.slack import FakeSlack

BOT_TOKEN = "xoxb-test-herald"
SECRET = "slack-signing-secret"


@pytest.fixture
def fake_slack():
    with FakeSlack(token=BOT_TOKEN) as fake:
        yield fake


@pytest.fixture
def slack_on(app, fake_slack):
    """Slack configured: the signing secret, the bot token, the fake's API base."""
    app.config.update(
        SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_BASE=fake_slack.base_url
    )
    return fake_slack


def deliver_slack() -> int:
    """What the worker does: expand every pending broadcast, then post the Slack
    deliveries. Returns how many Slack deliveries were handled."""
    db.session.commit()
    while ids := pending_broadcast_ids(100):
        for broadcast_id in ids:
            expand_broadcast(broadcast_id)
    channel = channels_for(current_app._get_current_object(), only="slack")["slack"]
    try:
        return drain(channel)
    finally:
        channel.close()
        db.session.expire_all()


def button_ids(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def buttons(message: dict) -> list[dict]:
    return [
        element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
