# ruff: noqa: F811  (the fixtures imported below are redefined as test arguments)
"""Only Slack's own requests get in: forged, stale, replayed or unsigned requests are
refused with 401 and change nothing; without the settings the routes do not exist."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from app.models import Incident
from core.db import db
from tests.fakes.slack import slack_signed
from tests.slack.slack_app_fixtures import (  # noqa: F401
    COMMANDS,
    INTERACTIONS,
    SECRET,
    member,
    responses,
    sender,
    slack,
    slack_app,
)


def _declare_payload(user_id: str) -> dict:
    return {
        "type": "view_submission",
        "user": {"id": user_id},
        "view": {
            "callback_id": "herald_declare",
            "private_metadata": "{}",
            "state": {
                "values": {
                    "name": {"value": {"type": "plain_text_input", "value": "Forged outage"}},
                    "impact": {
                        "value": {"type": "static_select", "selected_option": {"value": "major"}}
                    },
                    "visibility": {
                        "value": {"type": "static_select", "selected_option": {"value": "public"}}
                    },
                }
            },
        },
    }


def _incidents() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident))


def test_a_signed_submission_declares_and_the_same_request_replayed_is_refused(
    sender, member, slack
):
    _, slack_id = member("comms_lead")
    import json
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(_declare_payload(slack_id))})
    headers = slack_signed(body.encode(), SECRET)
    first = sender.client.post(INTERACTIONS, data=body, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert _incidents() == 1
    again = sender.client.post(INTERACTIONS, data=body, headers=headers)
    assert again.status_code == 401
    assert again.json["error"] == "This request was already received."
    assert _incidents() == 1


def test_forged_stale_and_unsigned_requests_are_refused_and_change_nothing(sender, member, slack):
    _, slack_id = member("comms_lead")
    payload = _declare_payload(slack_id)
    forged = sender.interact(payload, secret="not-the-signing-secret")
    stale = sender.interact(payload, timestamp=int(time.time()) - 6 * 60)
    future = sender.interact(payload, timestamp=int(time.time()) + 6 * 60)
    unsigned = sender.interact(
        payload, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    only_stamp = sender.interact(
        payload,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(int(time.time())),
        },
    )
    for response in (forged, stale, future, unsigned, only_stamp):
        assert response.status_code == 401
        assert response.is_json and "error" in response.json
    assert _incidents() == 0
    assert slack.calls("users.info") == []  # refused before anything was looked up


def test_a_body_changed_after_signing_is_refused(sender, member):
    _, slack_id = member("comms_lead")
    body = "command=%2Fherald&text=help&user_id=" + slack_id
    headers = slack_signed(body.encode(), SECRET)
    response = sender.client.post(COMMANDS, data=body + "x", headers=headers)
    assert response.status_code == 401


def test_a_request_within_the_window_is_accepted(sender, member):
    _, slack_id = member("viewer")
    response = sender.command("help", slack_id, timestamp=int(time.time()) - 4 * 60)
    assert response.status_code == 200
    assert "/herald declare" in response.json["text"]


def test_an_oversized_body_is_refused(sender, member):
    _, slack_id = member("viewer")
    response = sender.command("help " + "x" * 300_000, slack_id)
    assert response.status_code == 413


def test_without_the_settings_the_routes_do_not_exist(app, client):
    for path in (COMMANDS, INTERACTIONS):
        body = "text=help"
        response = client.post(path, data=body, headers=slack_signed(body.encode(), SECRET))
        assert response.status_code == 404
    assert "slack" not in app.blueprints


def test_the_token_alone_does_not_turn_the_app_on(database_url):
    from app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SLACK_BOT_TOKEN": "xoxb-only-the-token"}
    )
    assert "slack" not in app.blueprints
    assert app.test_client().post(COMMANDS, data="text=help").status_code == 404
