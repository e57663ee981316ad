"""Fixtures of the chat delivery tests: Herald's app set up for Slack against a local
FakeSlack, the chat-webhook fakes, and helpers to queue and send deliveries.

Imported by tests/slack/test_chat_delivery_*.py (kept out of conftest.py, shared by the
other Slack test modules)."""

from __future__ import annotations

import itertools

import pytest

from core.db import db
from subscribers.channels import channels_for
from subscribers.fanout import ContentCache, drain
from subscribers.outbox import Message, create_broadcast, expand_broadcast
from tests.fakes.chat_hooks import ChatHooks
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-delivery-test"
SECRET = "delivery-signing-secret"
_sources = itertools.count(1)


@pytest.fixture
def slack():
    with FakeSlack(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def hooks():
    with ChatHooks() as fake:
        yield fake


@pytest.fixture
def chat_app(app, slack):
    """The test app with Slack set up and private addresses allowed (the fakes listen on
    127.0.0.1), as in development."""
    app.config.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_BASE=slack.base_url,
        PROVIDER_TIMEOUT=2.0,
        WEBHOOK_ALLOW_PRIVATE=True,
    )
    return app


@pytest.fixture
def sender(chat_app):
    """``sender(kind)``: the registry's channel for ``kind``, closed after the test."""
    made = []

    def make(kind: str):
        channel = channels_for(chat_app, only=kind)[kind]
        made.append(channel)
        return channel

    yield make
    for channel in made:
        channel.close()


def publish(audience: str, subject: str, text: str, *, actions=None, source=None, **kwargs):
    """A committed, expanded broadcast to ``audience``."""
    broadcast = create_broadcast(
        audience,
        Message(subject=subject, text=text, sms=subject, chat_actions=actions),
        source=source or f"test:chat:{next(_sources)}",
        **kwargs,
    )
    db.session.commit()
    expand_broadcast(broadcast.id)
    return broadcast


def send_all(channel) -> int:
    handled = drain(channel, ContentCache())
    db.session.expire_all()
    return handled
