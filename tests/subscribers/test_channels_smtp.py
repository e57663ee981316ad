"""The SMTP channel against a local aiosmtpd sink, and how its messages are built."""

from __future__ import annotations

import re
from dataclasses import replace
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from subscribers.channels import channels_for
from subscribers.channels.base import BOUNCED, FAILED, RETRY, SENT, Outcome
from subscribers.channels.email_file import FileEmail
from subscribers.channels.email_smtp import SmtpEmail
from tests.fakes import SmtpSink, free_port
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
    assert message["MIME-Version"] == "1.0"
    assert [part["MIME-Version"] for part in message.iter_parts()] == [None, None]


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
    ("reply", "status"),
    [
        ("451 4.3.0 Temporary failure, try later", RETRY),
        ("554 5.7.1 Message rejected as spam", FAILED),
        ("552 5.3.4 Message size exceeds fixed limit", FAILED),
    ],
)
def test_a_refused_message_body_is_mapped_by_its_code(channel, smtp_sink, reply, status):
    smtp_sink.script_data(reply)
    outcomes = channel.send(content(), outgoing(emails(2)))
    assert outcomes[0].status == status and reply[:3] in outcomes[0].error
    # The message was refused, not the address: the subscriber is left alone.
    assert outcomes[0].subscriber_action is None
    assert outcomes[1].status == SENT  # the connection carries on after RSET
    assert smtp_sink.connections == 1


def test_one_refused_message_does_not_quarantine_a_list(channel, smtp_sink):
    smtp_sink.script_data("554 5.7.1 Message rejected: spam content", times=5)
    outcomes = channel.send(content(), outgoing(emails(5)))
    assert {o.status for o in outcomes} == {FAILED}
    assert {o.subscriber_action for o in outcomes} == {None}
    assert all("message was refused" in o.error for o in outcomes)


@pytest.mark.parametrize(
    "reply",
    [
        "530 5.7.0 Authentication required",
        "553 5.7.1 Sender address rejected: not owned by user",
        "550 5.7.1 Sender not allowed",
    ],
)
def test_a_refused_sender_retries_the_rest_of_the_batch(channel, smtp_sink, reply):
    smtp_sink.script_mail(reply)
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert [o.status for o in outcomes] == [RETRY, RETRY, RETRY]
    assert [o.delivery_id for o in outcomes] == [1, 2, 3]
    assert {o.subscriber_action for o in outcomes} == {None}
    assert all(reply[:3] in o.error and "HERALD_MAIL_FROM" in o.error for o in outcomes)
    assert not smtp_sink.messages  # nothing more was tried with a sender the server refuses


def test_a_sender_refused_mid_batch_keeps_what_was_sent(channel, smtp_sink):
    smtp_sink.refuse("person2@example.com", 550)
    # One MAIL FROM per message: the first goes, the second bounces at RCPT, then the
    # server refuses the sender: the third and fourth wait, untouched.
    smtp_sink.script_mail("530 5.7.0 Authentication required", after=2)
    outcomes = channel.send(content(), outgoing(emails(4)))
    assert [o.status for o in outcomes] == [SENT, BOUNCED, RETRY, RETRY]
    assert [o.delivery_id for o in outcomes] == [1, 2, 3, 4]
    assert outcomes[1].subscriber_action == "quarantine"
    assert outcomes[2].subscriber_action is None and outcomes[3].subscriber_action is None
    assert [m.recipients for m in smtp_sink.messages] == [["person1@example.com"]]


@pytest.mark.parametrize(
    "reply",
    [
        "554 5.7.1 <person1@example.com>: Relay access denied",
        "550 5.7.1 Relaying denied",
        "530 5.7.0 Authentication required",
    ],
)
def test_relaying_denied_at_rcpt_is_a_configuration_problem(channel, smtp_sink, reply):
    code, _, text = reply.partition(" ")
    for address in emails(3):
        smtp_sink.refuse(address, int(code), text)
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert [o.status for o in outcomes] == [RETRY, RETRY, RETRY]
    assert {o.subscriber_action for o in outcomes} == {None}


def test_a_host_named_relay_in_a_bounce_is_still_a_bounce(channel, smtp_sink):
    smtp_sink.refuse(
        "person1@example.com", 550, "5.1.1 <person1@relay.example.com>: User unknown at relay.mx"
    )
    [outcome] = channel.send(content(), outgoing(emails(1)))
    assert outcome.status == BOUNCED and outcome.subscriber_action == "quarantine"


def test_421_at_rcpt_retries_the_rest_of_the_batch(channel, smtp_sink):
    smtp_sink.refuse("person2@example.com", 421, "4.7.0 Too many errors, closing connection")
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert [o.status for o in outcomes] == [SENT, RETRY, RETRY]
    assert {o.subscriber_action for o in outcomes} == {None}
    assert [m.recipients for m in smtp_sink.messages] == [["person1@example.com"]]


def test_421_closing_retries_the_rest_of_the_batch(channel, smtp_sink):
    smtp_sink.script_data("421 4.3.2 Service shutting down")
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert [o.status for o in outcomes] == [RETRY, RETRY, RETRY]
    assert [o.delivery_id for o in outcomes] == [1, 2, 3]
    assert not smtp_sink.messages


def test_a_refused_login_retries_the_whole_batch(app):
    with SmtpSink(login=("herald", "right-password")) as sink:
        wrong = SmtpEmail(
            sink.host, sink.port, SENDER, username="herald", password="wrong", timeout=2
        )
        outcomes = wrong.send(content(), outgoing(emails(3)))
        assert [o.status for o in outcomes] == [RETRY, RETRY, RETRY]
        assert {o.subscriber_action for o in outcomes} == {None}
        assert all("HERALD_SMTP_PASSWORD" in o.error for o in outcomes)
        assert not sink.messages
        right = SmtpEmail(
            sink.host, sink.port, SENDER, username="herald", password="right-password", timeout=2
        )
        assert {o.status for o in right.send(content(), outgoing(emails(2)))} == {SENT}
        assert len(sink.messages) == 2


def test_a_subject_with_a_line_break_fails_each_delivery_for_good(channel, smtp_sink):
    outcomes = channel.send(
        content(subject="Payments down\nBcc: all@example.com"), outgoing(emails(3))
    )
    assert [o.status for o in outcomes] == [FAILED, FAILED, FAILED]
    assert {o.subscriber_action for o in outcomes} == {None}
    assert all(o.error.startswith("The email cannot be built") for o in outcomes)
    assert not smtp_sink.messages
    # The next broadcast goes through the same channel as usual.
    assert channel.send(content(), outgoing(emails(1)))[0].status == SENT


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


def test_the_file_backend_fails_a_message_that_cannot_be_built(app, tmp_path):
    channel = FileEmail(str(tmp_path / "outbox"), SENDER)
    outcomes = channel.send(content(subject="Down\r\nX-Injected: 1"), outgoing(emails(2)))
    assert [o.status for o in outcomes] == [FAILED, FAILED]
    assert all(o.error.startswith("The email cannot be built") for o in outcomes)
    assert not list((tmp_path / "outbox").iterdir())
