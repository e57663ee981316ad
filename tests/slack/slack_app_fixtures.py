"""Fixtures of the Slack app tests: Herald configured for Slack against a local FakeSlack,
staff who are also Slack members, and requests built and signed as Slack sends them.

Imported by the tests/slack/test_slack_app_*.py modules (kept out of conftest.py, which
the other Slack test modules share)."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from app import create_app
from app.slack import later
from core.db import db
from tests.conftest import PASSWORD, IsolatedClient, _empty_tables
from tests.fakes.slack import FakeSlack, slack_signed
from tests.fakes.webhook_receiver import WebhookReceiver

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-herald-test"
COMMANDS = "/integrations/slack/commands"
INTERACTIONS = "/integrations/slack/interactions"


@pytest.fixture
def slack():
    with FakeSlack(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def responses():
    """Where Slack's response_url points: ephemeral notes land here."""
    with WebhookReceiver(tls=False) as hook:
        yield hook


@pytest.fixture
def slack_app(database_url, slack):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": "https://status.example.com",
            "SERVER_NAME": None,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_BASE": slack.base_url,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _empty_tables()
        yield app
        later.wait_idle()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def member(slack_app, slack):
    """``member(role)``: a staff account and the Slack member with its email ->
    (user, slack user id)."""
    from app.accounts import create_user

    counter = iter(range(1, 1000))

    def make(role: str, email: str | None = None, *, in_herald: bool = True):
        email = email or f"{role}{next(counter)}@example.com"
        slack_id = slack.add_user(email)
        user = None
        if in_herald:
            user = create_user(None, email, role, PASSWORD, name=f"{role.title()} Person")
            db.session.commit()
        return user, slack_id

    return make


class SlackSender:
    """Builds Slack's requests (form bodies, signed headers) and posts them to Herald."""

    def __init__(self, client, responses=None):
        self.client = client
        self.responses = responses

    def post(self, path: str, fields: dict, *, secret: str = SECRET, timestamp=None, headers=None):
        body = urlencode(fields)
        signed = slack_signed(body.encode(), secret, timestamp)
        if headers is not None:
            signed = headers
        return self.client.post(path, data=body, headers=signed)

    def command(self, text: str, user_id: str, *, channel_name: str = "general", **options):
        fields = {
            "token": "deprecated",
            "team_id": "T0HERALD01",
            "team_domain": "brightwave",
            "channel_id": "C0GENERAL01",
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": "someone",
            "command": "/herald",
            "text": text,
            "response_url": self.response_url("command"),
            "trigger_id": f"{time.time():.0f}.{user_id}.trigger",
            "api_app_id": "A0HERALD01",
        }
        return self.post(COMMANDS, fields, **options)

    def response_url(self, name: str) -> str:
        return self.responses.url_for(f"/actions/{name}") if self.responses else ""

    def press(self, user_id: str, action_id: str, value: str, message: dict | None = None):
        """A block_actions payload: ``message`` is the Slack message the button is on."""
        message = message or {}
        payload = {
            "type": "block_actions",
            "user": {"id": user_id, "username": "someone", "team_id": "T0HERALD01"},
            "api_app_id": "A0HERALD01",
            "container": {
                "type": "message",
                "message_ts": message.get("ts", ""),
                "channel_id": message.get("channel", ""),
                "is_ephemeral": False,
            },
            "trigger_id": f"{time.time():.0f}.{user_id}.trigger",
            "team": {"id": "T0HERALD01", "domain": "brightwave"},
            "channel": {"id": message.get("channel", ""), "name": "approvals"},
            "message": {
                "type": "message",
                "ts": message.get("ts", ""),
                "text": message.get("text", ""),
                "blocks": message.get("blocks", []),
            },
            "response_url": self.response_url(action_id),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "actions",
                    "type": "button",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.interact(payload)

    def submit(self, user_id: str, view: dict, values: dict):
        """A view_submission of ``view`` (as Herald opened it) with ``values``: block id ->
        a string, a list (multi-select) or ("select", value)."""
        state = {}
        for block_id, value in values.items():
            if isinstance(value, list):
                state[block_id] = {
                    "value": {
                        "type": "multi_static_select",
                        "selected_options": [{"value": v} for v in value],
                    }
                }
            elif isinstance(value, tuple):
                state[block_id] = {
                    "value": {"type": "static_select", "selected_option": {"value": value[1]}}
                }
            else:
                state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
        payload = {
            "type": "view_submission",
            "team": {"id": "T0HERALD01", "domain": "brightwave"},
            "user": {"id": user_id, "username": "someone", "team_id": "T0HERALD01"},
            "api_app_id": "A0HERALD01",
            "trigger_id": f"{time.time():.0f}.{user_id}.trigger",
            "view": {
                "id": "V0SUBMIT001",
                "callback_id": view["callback_id"],
                "private_metadata": view.get("private_metadata", ""),
                "state": {"values": state},
                "hash": "1.abc",
            },
            "response_urls": [],
        }
        return self.interact(payload)

    def interact(self, payload: dict, **options):
        return self.post(INTERACTIONS, {"payload": json.dumps(payload)}, **options)


@pytest.fixture
def sender(slack_app, responses):
    return SlackSender(slack_app.test_client(), responses)


def opened_view(slack, index: int = -1) -> dict:
    """The view Herald last asked views.open to show."""
    call = slack.calls("views.open")[index]
    view = FakeSlack.params(call)["view"]
    return json.loads(view) if isinstance(view, str) else view


def notes(responses) -> list[str]:
    """The ephemeral notes Herald sent back through response_url, after its follow-ups."""
    later.wait_idle()
    return [r.json["text"] for r in responses.requests if r.json]
