# ruff: noqa: F811  (the fixtures imported below are redefined as test arguments)
"""Slack as a delivery channel: the real slack_sdk against a local FakeSlack, through
the outbox (claims, outcomes, retries, quarantine) and the channel registry."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db
from core.time import utcnow
from subscribers.channels.base import FAILED, RETRY, SENT
from subscribers.channels.slack import Slack, update_message
from subscribers.models import Delivery
from tests.slack.chat_delivery_fixtures import (  # noqa: F401 - fixtures
    chat_app,
    publish,
    send_all,
    sender,
    slack,
)
from tests.subscribers.channelkit import content, outgoing

CHANNEL = "C0INCIDENT1"
ACTIONS = [
    {"id": "herald_approve", "label": "Approve", "value": "draft:d1", "style": "primary"},
    {"id": "herald_reject", "label": "Reject", "value": "draft:d1", "style": "danger"},
    {
        "id": "herald_open",
        "label": "Open in Herald",
        "value": "",
        "url": "https://status.example.com/admin/d1",
    },
]


def test_a_message_is_posted_with_block_kit_buttons_and_a_text_fallback(sender, slack):
    channel = sender("slack")
    body = content(
        text="API errors <!channel> & more.\n\nUnsubscribe: [%unsubscribe_url%]\n",
        chat_actions=tuple(ACTIONS),
    )
    [outcome] = channel.send(body, outgoing([CHANNEL]))

    [posted] = slack.posted()
    assert outcome.status == SENT and outcome.provider_id == f"{CHANNEL}:{posted['ts']}"
    call = slack.calls("chat.postMessage")[0]
    assert call.headers["Authorization"] == "Bearer xoxb-delivery-test"
    assert posted["text"] == "[Investigating] API errors"
    header, section, actions = posted["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "[Investigating] API errors", "emoji": True},
    }
    # Escaped, so it cannot ping the channel; the personal unsubscribe line is left out.
    assert section == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "API errors &lt;!channel&gt; &amp; more."},
    }
    assert [
        (b["action_id"], b.get("value"), b.get("style"), b.get("url")) for b in actions["elements"]
    ] == [
        ("herald_approve", "draft:d1", "primary", None),
        ("herald_reject", "draft:d1", "danger", None),
        ("herald_open", None, None, "https://status.example.com/admin/d1"),
    ]
    assert posted["unfurl_links"] is False


def test_a_direct_message_keeps_the_dm_channel_for_updates_in_place(sender, slack):
    user = slack.add_user("oncall@example.com")
    [outcome] = sender("slack").send(content(), outgoing([user]))
    dm, ts = outcome.provider_id.split(":")
    assert dm.startswith("D") and slack.messages[(dm, ts)]["text"] == "[Investigating] API errors"

    update_message(
        {
            "SLACK_BOT_TOKEN": "xoxb-delivery-test",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_BASE": slack.base_url,
        },
        outcome.provider_id,
        content(subject="[Resolved] API errors", chat_actions=()),
    )
    message = slack.messages[(dm, ts)]
    assert message["text"] == "[Resolved] API errors" and "edited" in message
    assert len(slack.posted()) == 1  # changed, not posted again


def test_long_text_is_split_into_sections_slack_accepts(sender, slack):
    text = "\n\n".join(f"Paragraph {n}: " + "word " * 150 for n in range(40))
    [outcome] = sender("slack").send(content(text=text), outgoing([CHANNEL]))
    assert outcome.status == SENT
    blocks = slack.posted()[0]["blocks"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) > 1 and all(len(s) <= 3000 for s in sections)
    assert len(blocks) <= 50
    assert "Paragraph 0:" in sections[0] and "Paragraph 39:" in "".join(sections)


@pytest.mark.parametrize(
    ("error", "status", "action"),
    [
        ("channel_not_found", FAILED, "quarantine"),
        ("is_archived", FAILED, "quarantine"),
        ("not_in_channel", FAILED, "quarantine"),
        ("user_not_found", FAILED, "quarantine"),
        ("invalid_auth", RETRY, None),
        ("account_inactive", RETRY, None),
        ("invalid_blocks", FAILED, None),
        ("internal_error", RETRY, None),
    ],
)
def test_what_slack_s_errors_do_to_the_delivery(sender, slack, error, status, action):
    slack.fail("chat.postMessage", error)
    [outcome] = sender("slack").send(content(), outgoing([CHANNEL]))
    assert (outcome.status, outcome.subscriber_action) == (status, action)
    assert error in outcome.error
    if error == "invalid_auth":
        assert "HERALD_SLACK_BOT_TOKEN" in outcome.error


def test_a_wrong_token_is_a_configuration_problem_not_the_channel_s(chat_app, slack, sender):
    chat_app.config["SLACK_BOT_TOKEN"] = "xoxb-wrong"
    [outcome] = sender("slack").send(content(), outgoing([CHANNEL]))
    assert outcome.status == RETRY and outcome.subscriber_action is None
    assert "invalid_auth" in outcome.error


def test_without_slack_settings_nothing_is_sent_and_the_error_says_why(app, slack):
    channel = Slack({"SLACK_API_BASE": slack.base_url, "PROVIDER_TIMEOUT": 1})
    try:
        [outcome] = channel.send(content(), outgoing([CHANNEL]))
    finally:
        channel.close()
    assert outcome.status == FAILED
    assert outcome.error == "Slack is not configured (HERALD_SLACK_BOT_TOKEN)"
    assert slack.requests == []


def test_an_unreachable_slack_is_retried(chat_app, sender):
    from tests.fakes.base import free_port

    chat_app.config["SLACK_API_BASE"] = f"http://127.0.0.1:{free_port()}/api/"
    [outcome] = sender("slack").send(content(), outgoing([CHANNEL]))
    assert outcome.status == RETRY and "unreachable" in outcome.error


def test_a_429_reschedules_the_delivery_after_retry_after(chat_app, sender, slack, make_subscriber):
    subscriber = make_subscriber(CHANNEL, channel="slack", audience="engineering")
    publish("engineering", "API errors", "Looking.")
    slack.script(429, retry_after=42, endpoint="chat.postMessage")

    before = utcnow()
    send_all(sender("slack"))

    delivery = db.session.scalar(select(Delivery).where(Delivery.subscriber_id == subscriber.id))
    assert delivery.state == "queued" and delivery.attempts == 1
    assert delivery.next_attempt_at >= before + timedelta(seconds=41)
    assert "429" in delivery.last_error
    assert subscriber.state == "active"


def test_a_channel_that_is_gone_quarantines_its_destination(
    chat_app, sender, slack, make_subscriber
):
    subscriber = make_subscriber("C0ARCHIVED1", channel="slack", audience="engineering")
    slack.refuse("C0ARCHIVED1", "is_archived")
    publish("engineering", "API errors", "Looking.")

    send_all(sender("slack"))

    delivery = db.session.scalar(select(Delivery).where(Delivery.subscriber_id == subscriber.id))
    assert delivery.state == "failed" and "is_archived" in delivery.last_error
    db.session.refresh(subscriber)
    assert subscriber.state == "quarantined" and "is_archived" in subscriber.state_reason


def test_two_messages_to_one_channel_are_paced_a_second_apart(
    chat_app, sender, slack, make_subscriber
):
    make_subscriber(CHANNEL, channel="slack", audience="engineering")
    make_subscriber("C0OTHERCH01", channel="slack", audience="engineering")
    publish("engineering", "First", "One.")
    publish("engineering", "Second", "Two.")

    started = time.time()
    assert send_all(sender("slack")) == 4

    ours = [m["at"] for m in slack.posted(CHANNEL)]
    theirs = [m["at"] for m in slack.posted("C0OTHERCH01")]
    assert len(ours) == len(theirs) == 2
    assert ours[1] - ours[0] >= 0.95  # never two in the same second to one channel
    assert theirs[1] - theirs[0] >= 0.95
    # Another channel does not wait for this one: the first of each go out at once.
    assert min(ours[0], theirs[0]) - started < 0.9 and abs(ours[0] - theirs[0]) < 0.5
    assert [d.state for d in db.session.scalars(select(Delivery))] == ["sent"] * 4
    provider_ids = set(db.session.scalars(select(Delivery.provider_message_id)))
    assert {f"{m['channel']}:{m['ts']}" for m in slack.posted()} == provider_ids
