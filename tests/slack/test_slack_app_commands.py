# ruff: noqa: F811  (the fixtures imported below are redefined as test arguments)
"""``/herald`` from Slack: help, status, the declare and update modals, people Herald
does not know, and a busy database."""

from __future__ import annotations

import contextlib
import sqlite3

from sqlalchemy import select

from app.incidents.services import declare_incident
from app.models import User
from app.status.components import create_component
from core.db import db
from tests.slack.slack_app_fixtures import (  # noqa: F401
    member,
    opened_view,
    responses,
    sender,
    slack,
    slack_app,
)


def test_help_lists_the_commands_and_needs_no_account(sender, member):
    _, stranger = member("viewer", in_herald=False)
    for text in ("help", ""):
        answer = sender.command(text, stranger)
        assert answer.status_code == 200
        assert answer.json["response_type"] == "ephemeral"
        assert "/herald declare" in answer.json["text"]


def test_status_answers_with_the_page_summary(sender, member):
    lead, slack_id = member("comms_lead")
    api = create_component(None, "Payments API")
    declare_incident(lead, "Card payments failing", "major", {api: "major_outage"})
    db.session.commit()
    answer = sender.command("status", slack_id)
    assert answer.status_code == 200
    text = answer.json["text"]
    assert answer.json["response_type"] == "ephemeral"
    assert "Card payments failing" in text
    assert "Payments API: Major outage" in text
    # The matched account now knows its Slack id: the next command needs no lookup.
    assert db.session.scalar(select(User.slack_user_id).where(User.id == lead.id)) == slack_id


def test_a_slack_user_without_a_herald_account_is_told_so(sender, member, slack):
    _, stranger = member("viewer", "nobody@example.com", in_herald=False)
    answer = sender.command("declare Database down", stranger)
    assert answer.json["text"] == "No Herald account for nobody@example.com; ask an admin."
    assert slack.calls("views.open") == []


def test_a_deactivated_account_is_not_matched(sender, member, slack):
    user, slack_id = member("comms_lead", "gone@example.com")
    user.active = False
    db.session.commit()
    answer = sender.command("status", slack_id)
    assert "No Herald account for gone@example.com" in answer.json["text"]


def test_declare_opens_a_modal_with_the_name_prefilled(sender, member, slack):
    _, slack_id = member("responder")
    create_component(None, "Checkout")
    db.session.commit()
    answer = sender.command("declare Checkout is slow", slack_id)
    assert answer.status_code == 200 and answer.get_data() == b""
    call = slack.params(slack.calls("views.open")[0])
    assert call["trigger_id"].endswith(".trigger")
    view = opened_view(slack)
    assert view["callback_id"] == "herald_declare"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["name"]["element"]["initial_value"] == "Checkout is slow"
    assert [o["value"] for o in blocks["impact"]["element"]["options"]] == [
        "none",
        "minor",
        "major",
        "critical",
    ]
    assert blocks["components"]["element"]["options"][0]["text"]["text"] == "Checkout"
    assert "component_status" in blocks and "visibility" in blocks


def test_a_viewer_cannot_declare(sender, member, slack):
    _, slack_id = member("viewer")
    answer = sender.command("declare Something", slack_id)
    assert answer.json["text"] == "Your Herald role (viewer) cannot declare incidents."
    assert slack.calls("views.open") == []


def test_update_opens_the_fact_sheet_of_the_newest_open_incident(sender, member, slack):
    lead, slack_id = member("comms_lead")
    declare_incident(lead, "Older problem", "minor", {})
    newest = declare_incident(lead, "Newest problem", "major", {})
    db.session.commit()
    sender.command("update", slack_id)
    view = opened_view(slack)
    assert view["callback_id"] == "herald_update"
    assert newest.public_id in view["private_metadata"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert {"status", "summary", "next_update"} <= set(blocks)


def test_update_in_an_incident_channel_picks_that_incident(sender, member, slack):
    lead, slack_id = member("comms_lead")
    own = declare_incident(lead, "Login errors for EU users", "minor", {})
    declare_incident(lead, "A newer incident", "minor", {})
    db.session.commit()
    channel = f"inc-{own.started_at:%Y%m%d}-login-errors-for-eu-users"
    sender.command("update", slack_id, channel_name=channel)
    assert own.public_id in opened_view(slack)["private_metadata"]


def test_update_without_an_open_incident_says_so(sender, member, slack):
    _, slack_id = member("comms_lead")
    answer = sender.command("update", slack_id)
    assert "no open incident" in answer.json["text"]


def test_a_responder_cannot_draft_updates(sender, member, slack):
    lead, _ = member("comms_lead")
    declare_incident(lead, "Problem", "minor", {})
    db.session.commit()
    _, slack_id = member("responder")
    answer = sender.command("update", slack_id)
    assert answer.json["text"] == "Your Herald role (responder) cannot draft updates."


def test_an_unknown_verb_gets_the_help(sender, member):
    _, slack_id = member("viewer")
    answer = sender.command("frobnicate", slack_id)
    assert "does not know `frobnicate`" in answer.json["text"]


def test_slack_refusing_the_modal_is_reported(sender, member, slack):
    _, slack_id = member("comms_lead")
    slack.fail("views.open", "expired_trigger_id")
    answer = sender.command("declare X", slack_id)
    assert "expired_trigger_id" in answer.json["text"]


@contextlib.contextmanager
def write_lock(app):
    """Another connection holds a write lock, as a long write would: SQLite's database
    write lock, or on PostgreSQL an EXCLUSIVE lock on the users table (reads go on,
    writes wait)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.commit()
    if url.startswith("sqlite"):
        other = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None, timeout=1)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield other
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with db.engine.connect() as other:
        transaction = other.begin()
        other.exec_driver_sql("LOCK TABLE users IN EXCLUSIVE MODE")
        try:
            yield other
        finally:
            transaction.rollback()


def test_a_command_while_the_database_is_locked_answers_busy_in_time(
    slack_app, sender, member, slack
):
    # A first command matches the account and writes its Slack id: that write must wait.
    user, slack_id = member("comms_lead")
    user_id = user.id
    with write_lock(slack_app):
        answer = sender.command("declare Outage", slack_id)
    assert answer.status_code == 200
    assert answer.json["text"] == "Herald is busy, try again in a moment."
    assert slack.calls("views.open") == []
    db.session.rollback()
    assert db.session.get(User, user_id).slack_user_id == ""
    # Once the lock is gone, the same command works.
    assert sender.command("declare Outage", slack_id).get_data() == b""
    assert len(slack.calls("views.open")) == 1
