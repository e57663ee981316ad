# ruff: noqa: F811  (the fixtures imported below are redefined as test arguments)
"""A chat destination is a room staff added, not a person who subscribed: its messages
end with who sent them and where staff manage the destination, never "you subscribed",
and Discord shows the subject once."""

from __future__ import annotations

import pytest
from flask import render_template

from subscribers.channels.base import SENT
from tests.slack.chat_delivery_fixtures import (  # noqa: F401 - fixtures
    chat_app,
    hooks,
    sender,
    slack,
)
from tests.subscribers.channelkit import content, outgoing

STAFF_LINE = (
    "Sent to this channel by Herald Status's status page; staff manage it at "
    "https://status.example.com/admin/subscribers/1001."
)


def subscriber_text() -> str:
    """A broadcast body as the notification templates write it, footer and all."""
    return render_template(
        "notifications/comms_email.txt",
        body="We are looking into API errors.",
        page_name="Herald Status",
        manage_url="[%manage_url%]",
        unsubscribe_url="[%unsubscribe_url%]",
    )


def delivered_text(hooks, service: str) -> str:
    [message] = hooks.received(service)
    if service == "mattermost":
        return message["attachments"][0]["text"]
    if service == "discord":
        return message["embeds"][0]["description"]
    if service == "teams":
        _title, *paragraphs = message["attachments"][0]["content"]["body"]
        return "\n".join(b["text"] for b in paragraphs)
    widgets = message["cardsV2"][0]["card"]["sections"][0]["widgets"]
    return "\n".join(w["textParagraph"]["text"] for w in widgets if "textParagraph" in w)


@pytest.mark.parametrize("service", ["teams", "mattermost", "discord", "google_chat"])
def test_chat_webhooks_say_who_sent_it_and_where_staff_manage_it(sender, hooks, service):
    assert "You receive this because you subscribed" in subscriber_text()
    url = getattr(hooks, f"{service}_url")()
    [outcome] = sender("chat_webhook").send(content(text=subscriber_text()), outgoing([url]))
    assert outcome.status == SENT
    text = delivered_text(hooks, service)
    assert text.startswith("We are looking into API errors.")
    assert STAFF_LINE in text.replace("<br>", "\n")
    assert "subscribed" not in text and "Unsubscribe" not in text and "[%" not in text


def test_a_slack_channel_gets_the_same_footer(sender, slack):
    [outcome] = sender("slack").send(content(text=subscriber_text()), outgoing(["C0ENGINEER1"]))
    assert outcome.status == SENT
    [message] = slack.posted("C0ENGINEER1")
    sections = " ".join(
        b["text"]["text"] for b in message["blocks"] if b["type"] == "section"
    ).replace("&amp;", "&")
    assert STAFF_LINE in sections
    assert "subscribed" not in sections


def test_discord_shows_the_subject_once(sender, hooks):
    [outcome] = sender("chat_webhook").send(content(), outgoing([hooks.discord_url()]))
    assert outcome.status == SENT
    [message] = hooks.received("discord")
    assert "content" not in message
    assert message["embeds"][0]["title"] == "[Investigating] API errors"
