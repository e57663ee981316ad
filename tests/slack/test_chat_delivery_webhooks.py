# ruff: noqa: F811  (the fixtures imported below are redefined as test arguments)
"""Chat incoming webhooks as a delivery channel: real HTTP to local fakes of Microsoft
Teams (Workflows), Mattermost, Discord and Google Chat, each checked in its own shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db
from core.errors import ServiceError
from core.time import utcnow
from subscribers.channels.base import FAILED, RETRY, SENT
from subscribers.channels.chat_webhook import (
    DISCORD,
    GOOGLE_CHAT,
    MATTERMOST,
    TEAMS,
    ChatWebhook,
    service_for,
)
from subscribers.models import Delivery
from subscribers.validation import normalise
from tests.slack.chat_delivery_fixtures import (  # noqa: F401 - fixtures
    chat_app,
    hooks,
    publish,
    send_all,
    sender,
    slack,
)
from tests.subscribers.channelkit import content, outgoing

LINK = {
    "id": "herald_open",
    "label": "Open the incident",
    "value": "",
    "url": "https://status.example.com/incidents/inc123",
}
BUTTON = {"id": "herald_approve", "label": "Approve", "value": "draft:d1"}


def body(**overrides):
    return content(
        text="We are looking into API errors @everyone <b>now</b>.\n\n"
        "Unsubscribe: [%unsubscribe_url%]\n",
        chat_actions=(BUTTON, LINK),
        **overrides,
    )


def url_of(hooks, service):
    return {
        TEAMS: hooks.teams_url,
        MATTERMOST: hooks.mattermost_url,
        DISCORD: hooks.discord_url,
        GOOGLE_CHAT: hooks.google_chat_url,
    }[service]()


def test_teams_gets_an_adaptive_card_in_the_workflows_shape(sender, hooks):
    [outcome] = sender("chat_webhook").send(body(), outgoing([hooks.teams_url()]))
    assert (outcome.status, outcome.provider_id) == (SENT, "teams:202")
    [message] = hooks.received("teams")
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.2"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["msteams"] == {"width": "full"}
    title, text = card["body"]
    assert title["text"] == "[Investigating] API errors" and title["weight"] == "Bolder"
    assert text == {
        "type": "TextBlock",
        "text": "We are looking into API errors @everyone <b>now</b>.",
        "wrap": True,
    }
    # Only the link: an approve button needs Slack's interactivity.
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open the incident", "url": LINK["url"]}
    ]


def test_mattermost_gets_text_and_an_attachment(sender, hooks):
    [outcome] = sender("chat_webhook").send(body(), outgoing([hooks.mattermost_url()]))
    assert outcome.status == SENT
    [message] = hooks.received("mattermost")
    assert message["text"] == "#### [Investigating] API errors"
    [attachment] = message["attachments"]
    assert attachment["title"] == "[Investigating] API errors"
    assert attachment["fallback"] == "[Investigating] API errors"
    assert attachment["color"] == "#cf222e"
    assert attachment["text"].startswith("We are looking into API errors")
    assert f"[Open the incident]({LINK['url']})" in attachment["text"]
    assert "Unsubscribe" not in attachment["text"] and "Approve" not in attachment["text"]


def test_discord_gets_an_embed_and_no_one_is_pinged(sender, hooks):
    [outcome] = sender("chat_webhook").send(body(), outgoing([hooks.discord_url()]))
    assert (outcome.status, outcome.provider_id) == (SENT, "discord:204")
    [message] = hooks.received("discord")
    assert message["allowed_mentions"] == {"parse": []}
    assert "content" not in message  # the subject is the embed's title, shown once
    [embed] = message["embeds"]
    assert embed["title"] == "[Investigating] API errors"
    assert embed["url"] == LINK["url"]
    assert "@\u200beveryone" in embed["description"]
    assert embed["description"].endswith(f"[Open the incident]({LINK['url']})")


def test_discord_embed_stays_under_its_limits(sender, hooks):
    long = content(subject="S" * 3000, text="word " * 3000)
    [outcome] = sender("chat_webhook").send(long, outgoing([hooks.discord_url()]))
    assert outcome.status == SENT  # the fake refuses anything over Discord's limits
    [message] = hooks.received("discord")
    assert len(message["embeds"][0]["title"]) <= 256
    assert len(message["embeds"][0]["description"]) <= 4096


def test_google_chat_gets_a_card_with_link_buttons(sender, hooks):
    [outcome] = sender("chat_webhook").send(body(), outgoing([hooks.google_chat_url()]))
    assert outcome.status == SENT
    [message] = hooks.received("google_chat")
    [card] = message["cardsV2"]
    assert card["cardId"] == "herald-7"
    assert card["card"]["header"] == {"title": "[Investigating] API errors"}
    paragraph, buttons = card["card"]["sections"][0]["widgets"]
    # Card text takes HTML: the message's own tags are shown, not applied.
    assert (
        paragraph["textParagraph"]["text"]
        == "We are looking into API errors @everyone &lt;b&gt;now&lt;/b&gt;."
    )
    assert buttons == {
        "buttonList": {
            "buttons": [
                {"text": "Open the incident", "onClick": {"openLink": {"url": LINK["url"]}}}
            ]
        }
    }
    assert message["fallbackText"] == "[Investigating] API errors"


def test_discord_s_429_is_retried_after_its_precise_retry_after(sender, hooks):
    hooks.script(429, endpoint="discord", retry_after=1.5)
    [outcome] = sender("chat_webhook").send(body(), outgoing([hooks.discord_url()]))
    assert (outcome.status, outcome.retry_after) == (RETRY, 1.5)
    assert hooks.requests[0].reply_headers["Retry-After"] == "2"


def test_google_chat_s_429_is_retried_after_retry_after(sender, hooks):
    hooks.script(429, endpoint="google_chat", retry_after=30)
    [outcome] = sender("chat_webhook").send(body(), outgoing([hooks.google_chat_url()]))
    assert (outcome.status, outcome.retry_after, outcome.subscriber_action) == (
        RETRY,
        30.0,
        "count_failure",
    )


@pytest.mark.parametrize(
    ("status", "outcome_status", "action"),
    [
        (500, RETRY, "count_failure"),
        (503, RETRY, "count_failure"),
        (400, FAILED, "count_failure"),
        (401, FAILED, "count_failure"),
        (403, FAILED, "count_failure"),
        (404, FAILED, "count_failure"),
        (410, FAILED, "quarantine"),
    ],
)
@pytest.mark.parametrize("service", [TEAMS, MATTERMOST, DISCORD, GOOGLE_CHAT])
def test_what_each_answer_does_to_the_delivery(
    sender, hooks, service, status, outcome_status, action
):
    hooks.script(status, endpoint=service)
    [outcome] = sender("chat_webhook").send(body(), outgoing([url_of(hooks, service)]))
    assert (outcome.status, outcome.subscriber_action) == (outcome_status, action)
    assert str(status) in outcome.error


def test_a_429_through_the_outbox_reschedules_and_then_delivers(
    chat_app, sender, hooks, make_subscriber
):
    url = hooks.discord_url()
    subscriber = make_subscriber(url, channel="chat_webhook", audience="engineering")
    publish("engineering", "API errors", "Looking.")
    hooks.script(429, endpoint="discord", retry_after=20)
    channel = sender("chat_webhook")

    before = utcnow()
    send_all(channel)
    delivery = db.session.scalar(select(Delivery).where(Delivery.subscriber_id == subscriber.id))
    assert delivery.state == "queued" and delivery.next_attempt_at >= before + timedelta(
        seconds=19.9
    )

    delivery.next_attempt_at = utcnow()  # its time comes
    db.session.commit()
    send_all(channel)
    db.session.refresh(delivery)
    db.session.refresh(subscriber)
    assert delivery.state == "sent" and delivery.attempts == 2
    assert subscriber.failure_count == 0 and subscriber.state == "active"
    assert len(hooks.received("discord")) == 1


def test_repeated_failures_quarantine_the_destination(chat_app, sender, hooks, make_subscriber):
    subscriber = make_subscriber(
        hooks.mattermost_url(), channel="chat_webhook", audience="engineering"
    )
    hooks.script(404, endpoint="mattermost", times=10)
    channel = sender("chat_webhook")
    for n in range(10):  # ten updates, each failing (failures count once per send round)
        publish("engineering", f"Update {n}", "Text.")
        send_all(channel)
        if n < 9:
            db.session.refresh(subscriber)
            assert subscriber.state == "active" and subscriber.failure_count == n + 1

    db.session.refresh(subscriber)
    assert subscriber.state == "quarantined"
    assert "10 failed deliveries within an hour" in subscriber.state_reason
    assert "Mattermost answered 404" in subscriber.state_reason


def test_google_chat_is_paced_per_space(sender, hooks, chat_app):
    url = hooks.google_chat_url("SPACE1")
    channel = sender("chat_webhook")
    channel.send(body(), outgoing([url]))
    channel.send(body(broadcast_id=8), outgoing([url + "&again=1"], start=2))
    first, second = (r.at for r in hooks.requests_to("google_chat"))
    assert second - first >= 0.95


def test_private_addresses_are_refused_in_production(app, hooks, dns):
    url = hooks.discord_url()  # http://127.0.0.1:…
    with pytest.raises(ServiceError, match="https://"):
        normalise("chat_webhook", url, region="US", allow_private=False)
    # A service's own host name that leads inside is refused too.
    dns["discord.com"] = ["127.0.0.1"]
    with pytest.raises(ServiceError, match="private, loopback"):
        normalise(
            "chat_webhook",
            f"https://discord.com:{hooks.port}/api/webhooks/1/tok",
            region="US",
            allow_private=False,
        )
    # Development (private addresses allowed) takes the local fake.
    assert normalise("chat_webhook", url, region="US", allow_private=True) == url


def test_a_real_service_host_resolving_inside_is_refused_at_send(app, hooks, dns):
    dns["discord.com"] = ["127.0.0.1"]
    channel = ChatWebhook(timeout=1, allow_private=False)
    try:
        [outcome] = channel.send(body(), outgoing(["https://discord.com/api/webhooks/1/tok"]))
    finally:
        channel.close()
    assert outcome.status == FAILED and "private, loopback" in outcome.error
    assert hooks.requests == []


@pytest.mark.parametrize(
    ("url", "service"),
    [
        (
            "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x",
            TEAMS,
        ),
        (
            "https://default1234.56.environment.api.powerplatform.com/powerautomate/automations/direct/x",
            TEAMS,
        ),
        ("https://api.powerautomate.com/x", TEAMS),
        ("https://chat.example.org/hooks/xyz123", MATTERMOST),
        ("https://discord.com/api/webhooks/123/token", DISCORD),
        ("https://discordapp.com/api/webhooks/123/token", DISCORD),
        ("https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t", GOOGLE_CHAT),
        ("https://discord.com/channels/1/2", None),
        ("https://example.com/webhook", None),
        ("https://hooks.slack.com/services/T/B/X", None),
    ],
)
def test_the_service_is_told_by_host_and_path(url, service):
    assert service_for(url) == service


def test_a_url_of_no_known_service_is_refused(app):
    with pytest.raises(ServiceError, match="Teams"):
        normalise("chat_webhook", "https://example.com/webhook", region="US", allow_private=True)
