"""The SMTP channel against a local aiosmtpd sink, and how its messages are built."""

from __future__ import annotations

import re
from dataclasses import replace
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from subscribers.channels import channels_for
from subscribers.channels.base import BOUNCED, RETRY, SENT, Outcome
from subscribers.channels.email_file import FileEmail
from subscribers.channels.email_smtp import SmtpEmail
from tests.fakes import free_port
from tests.subscribers.channelkit import content, emails, manage, outgoing, unsubscribe

SENDER = "Herald Status <status@example.com>"


@pytest.fixture
def channel(app, smtp_sink):
    return SmtpEmail(smtp_sink.host, smtp_sink.port, SENDER, timeout=2, batch_size=50)


def test_a_batch_goes_through_one_connection(channel, smtp_sink):
    batch = outgoing(emails(5))
    outcomes = channel.send(content(), batch)
    assert outcomes == [Outcome(item.delivery_id, SENT, provider_id="smtp") for item in batch]
    assert smtp_sink.connections == 1
    assert [m.recipients for m in smtp_sink.messages] == [[item.address] for item in batch]
    assert {m.connection for m in smtp_sink.messages} == {1}
    assert {m.sender for m in smtp_sink.messages} == {"status@example.com"}
    # The next batch opens a new connection (and the first was closed with QUIT).
    channel.send(content(), outgoing(emails(2, 6)))
    assert smtp_sink.connections == 2


def test_each_message_has_text_and_html_parts_with_its_own_links(channel, smtp_sink):
    [item] = batch = outgoing(emails(1))
    channel.send(content(), batch)
    [received] = smtp_sink.messages
    message = received.message
    assert message["From"] == SENDER and message["To"] == item.address
    assert message["Subject"] == "[Investigating] API errors"
    assert message["X-Herald-Delivery"] == "1"
    assert message["Date"] and message["Message-ID"].endswith("@example.com>")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Unsubscribe: {unsubscribe(item.token)}" in text
    assert f"Manage: {manage(item.token)}" in text
    assert f'href="{unsubscribe(item.token)}"' in html
    assert "[%" not in text + html


def test_one_click_unsubscribe_headers_are_never_folded(app, smtp_sink):
    channel = SmtpEmail(smtp_sink.host, smtp_sink.port, SENDER, timeout=2)
    [item] = outgoing(["long@example.com"])
    item = replace(item, token="t" * 200)
    channel.send(content(subject="A subject " * 12), [item])
    [received] = smtp_sink.messages
    link = f"<{unsubscribe(item.token)}>"
    assert received.message["List-Unsubscribe"] == link
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire, each header is one line however long (RFC 8058; DKIM at some relays).
    lines = received.raw.split(b"\r\n")
    assert f"List-Unsubscribe: {link}".encode() in lines
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines
    assert any(line.startswith(b"Subject: A subject A subject") for line in lines)
    assert len(f"List-Unsubscribe: {link}") > 200
    assert max(len(line) for line in lines) <= 998


def test_a_4xx_refused_recipient_is_retried_and_the_rest_sent(channel, smtp_sink):
    smtp_sink.refuse("person2@example.com", 450)
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert [o.status for o in outcomes] == [SENT, RETRY, SENT]
    assert outcomes[1].error.startswith("SMTP 450") and outcomes[1].subscriber_action is None
    assert smtp_sink.connections == 1
    assert [m.recipients for m in smtp_sink.messages] == [
        ["person1@example.com"],
        ["person3@example.com"],
    ]


def test_a_5xx_refused_recipient_bounces_and_is_quarantined(channel, smtp_sink):
    smtp_sink.refuse("person1@example.com", 550, "5.1.1 No such user")
    outcomes = channel.send(content(), outgoing(emails(2)))
    assert [o.status for o in outcomes] == [BOUNCED, SENT]
    assert outcomes[0].subscriber_action == "quarantine"
    assert "550" in outcomes[0].error and "No such user" in outcomes[0].error


@pytest.mark.parametrize(
    ("reply", "status", "action"),
    [
        ("451 4.3.0 Temporary failure, try later", RETRY, None),
        ("554 5.7.1 Message rejected as spam", BOUNCED, "quarantine"),
    ],
)
def test_a_refused_message_body_is_mapped_by_its_code(channel, smtp_sink, reply, status, action):
    smtp_sink.script_data(reply)
    outcomes = channel.send(content(), outgoing(emails(2)))
    assert outcomes[0].status == status and outcomes[0].subscriber_action == action
    assert outcomes[1].status == SENT  # the connection carries on after RSET
    assert smtp_sink.connections == 1


def test_421_closing_retries_the_rest_of_the_batch(channel, smtp_sink):
    smtp_sink.script_data("421 4.3.2 Service shutting down")
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert [o.status for o in outcomes] == [RETRY, RETRY, RETRY]
    assert [o.delivery_id for o in outcomes] == [1, 2, 3]
    assert not smtp_sink.messages


def test_a_refused_connection_retries_the_whole_batch(app):
    channel = SmtpEmail("127.0.0.1", free_port(), SENDER, timeout=1)
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert {o.status for o in outcomes} == {RETRY}
    assert all("connection failed" in o.error for o in outcomes)


def test_the_registry_builds_the_smtp_channel_from_settings(app, smtp_sink):
    app.config.update(
        EMAIL_BACKEND="smtp",
        SMTP_HOST=smtp_sink.host,
        SMTP_PORT=smtp_sink.port,
        SMTP_BATCH=25,
        MAIL_FROM="status@example.com",
    )
    channel = channels_for(app, "email")["email"]
    assert isinstance(channel, SmtpEmail) and channel.batch_size == 25
    assert channel.send(content(), outgoing(emails(1)))[0].status == SENT
    # The From names the page, as the file backend's does.
    assert smtp_sink.messages[0].message["From"] == "Herald Status <status@example.com>"


def test_the_file_backend_writes_one_eml_per_delivery(app, tmp_path):
    channel = FileEmail(str(tmp_path / "outbox"), SENDER)
    batch = outgoing(emails(2), start=41)
    outcomes = channel.send(content(), batch)
    assert [o.provider_id for o in outcomes] == ["file:000000041.eml", "file:000000042.eml"]
    assert {o.status for o in outcomes} == {SENT}
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [
        "000000041.eml",
        "000000042.eml",
    ]  # no temporary files left behind
    raw = (tmp_path / "outbox" / "000000042.eml").read_bytes()
    message = message_from_bytes(raw, policy=default_policy)
    assert message["To"] == "person2@example.com"
    assert message["List-Unsubscribe"] == f"<{unsubscribe('token-42')}>"
    assert f"Unsubscribe: {unsubscribe('token-42')}" in message.get_body(("plain",)).get_content()
    assert message.get_body(("html",)) is not None
    assert re.search(rb"^List-Unsubscribe: <[^\r\n]+>\r?$", raw, re.MULTILINE)


def test_the_registry_defaults_to_the_file_backend(app):
    channel = channels_for(app, "email")["email"]
    assert isinstance(channel, FileEmail)
    assert channel.sender == "Herald Status <status@localhost>"
