"""The SendGrid channel, through the real ``sendgrid`` SDK, against the local fake."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sendgrid.helpers.eventwebhook import EventWebhook
from sqlalchemy import select

from app.models import utcnow
from core.db import db
from subscribers.channels import channels_for
from subscribers.channels.base import FAILED, RETRY, SENT, Outcome
from subscribers.channels.email_sendgrid import MAX_RECIPIENTS, SendGridEmail
from subscribers.fanout import drain
from subscribers.models import Delivery
from subscribers.outbox import expand_broadcast
from tests.fakes.sendgrid import SIGNATURE_HEADER, TIMESTAMP_HEADER, event
from tests.subscribers.channelkit import (
    bulk_subscribers,
    content,
    emails,
    manage,
    outgoing,
    unsubscribe,
)

SENDER = "Herald Status <status@example.com>"


@pytest.fixture
def channel(app, fake_sendgrid):
    channel = SendGridEmail("SG.test-key", fake_sendgrid.url, SENDER, timeout=0.5)
    yield channel
    channel.close()


def test_one_request_carries_a_personalization_per_recipient(channel, fake_sendgrid):
    batch = outgoing(emails(3))
    outcomes = channel.send(content(), batch)

    [request] = fake_sendgrid.requests
    assert request.method == "POST" and request.path == "/v3/mail/send"
    assert request.headers["Authorization"] == "Bearer SG.test-key"
    body = request.json
    assert body["from"] == {"email": "status@example.com", "name": "Herald Status"}
    assert body["subject"] == "[Investigating] API errors"
    assert [block["type"] for block in body["content"]] == ["text/plain", "text/html"]
    assert body["custom_args"] == {"herald_broadcast": "7"}
    # The SDK's helpers prepend personalizations: match them by address, never position.
    by_address = {p["to"][0]["email"]: p for p in body["personalizations"]}
    assert sorted(by_address) == sorted(item.address for item in batch)
    for item in batch:
        personalization = by_address[item.address]
        assert personalization["to"] == [{"email": item.address}]
        assert personalization["substitutions"] == {
            "[%unsubscribe_url%]": unsubscribe(item.token),
            "[%manage_url%]": manage(item.token),
        }
        assert personalization["headers"] == {
            "List-Unsubscribe": f"<{unsubscribe(item.token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        assert personalization["custom_args"] == {"herald_delivery": str(item.delivery_id)}

    message_id = request.info["message_id"]
    assert request.status == 202 and request.reply_headers["X-Message-Id"] == message_id
    assert outcomes == [Outcome(item.delivery_id, SENT, provider_id=message_id) for item in batch]


def test_each_recipient_gets_their_own_links_in_text_and_html(channel, fake_sendgrid):
    batch = outgoing(emails(2))
    channel.send(content(), batch)
    mail = {m["to"]: m for m in fake_sendgrid.delivered()}
    for item in batch:
        text, html = mail[item.address]["text"], mail[item.address]["html"]
        assert f"Unsubscribe: {unsubscribe(item.token)}" in text
        assert f"Manage: {manage(item.token)}" in text
        assert f'href="{unsubscribe(item.token)}"' in html
        assert "[%" not in text + html
    assert mail["person1@example.com"]["custom_args"] == {
        "herald_broadcast": "7",
        "herald_delivery": "1",
    }


def test_a_text_only_message_sends_one_content_block(channel, fake_sendgrid):
    channel.send(content(html=""), outgoing(emails(1)))
    assert fake_sendgrid.requests[0].json["content"] == [
        {"type": "text/plain", "value": content().text}
    ]


def test_a_full_batch_of_1000_recipients_is_one_request(app, fake_sendgrid):
    # A roomy deadline: building and reading 1,000 recipients on a loaded machine can pass
    # the fixture's 0.5 s, and the deadline is not what this test is about.
    channel = SendGridEmail("SG.test-key", fake_sendgrid.url, SENDER, timeout=10)
    assert channel.batch_size == MAX_RECIPIENTS == 1000
    batch = outgoing(emails(1000))
    outcomes = channel.send(content(), batch)
    [request] = fake_sendgrid.requests
    assert request.status == 202
    assert len(request.json["personalizations"]) == 1000
    assert {o.status for o in outcomes} == {SENT}
    assert {o.provider_id for o in outcomes} == {request.info["message_id"]}


def test_draining_1001_deliveries_takes_two_requests(channel, fake_sendgrid, make_broadcast):
    bulk_subscribers(1001)
    broadcast = make_broadcast(channels=["email"])
    assert expand_broadcast(broadcast.id) == 1001

    assert drain(channel) == 1001

    sizes = [len(r.json["personalizations"]) for r in fake_sendgrid.requests]
    assert sizes == [1000, 1]
    rows = db.session.scalars(select(Delivery)).all()
    assert {row.state for row in rows} == {"sent"}
    # Each delivery carries the id of the request that took it, found by its tracking id.
    message_of = {
        p["custom_args"]["herald_delivery"]: r.info["message_id"]
        for r in fake_sendgrid.requests
        for p in r.json["personalizations"]
    }
    assert all(row.provider_message_id == message_of[str(row.id)] for row in rows)


def test_a_bad_recipient_is_isolated_by_splitting_the_batch(channel, fake_sendgrid):
    batch = outgoing(emails(8))
    fake_sendgrid.refuse("person5@example.com")

    outcomes = channel.send(content(), batch)

    assert [o.delivery_id for o in outcomes] == [item.delivery_id for item in batch]
    failed = [o for o in outcomes if o.status != SENT]
    assert [o.delivery_id for o in failed] == [5]
    assert failed[0].status == FAILED
    assert "SendGrid 400" in failed[0].error and "valid address" in failed[0].error
    # 8 -> 4 + 4 -> 2 + 2 -> 1 + 1: seven requests, three of them accepted.
    statuses = [r.status for r in fake_sendgrid.requests]
    assert len(statuses) == 7 and statuses.count(202) == 3


def test_a_400_about_the_message_itself_fails_the_batch_without_splitting(app, fake_sendgrid):
    # The default HERALD_MAIL_FROM; SendGrid refuses it whoever the recipients are.
    channel = SendGridEmail("SG.test-key", fake_sendgrid.url, "status@localhost", timeout=0.5)
    outcomes = channel.send(content(), outgoing(emails(8)))
    assert {o.status for o in outcomes} == {FAILED}
    assert "from email" in outcomes[0].error
    assert len(fake_sendgrid.requests) == 1


def test_429_waits_until_x_ratelimit_reset(channel, fake_sendgrid):
    fake_sendgrid.script(429, reset_in=30)
    outcomes = channel.send(content(), outgoing(emails(3)))
    assert {o.status for o in outcomes} == {RETRY}
    assert all(28 <= o.retry_after <= 30.5 for o in outcomes)
    assert "rate limit" in outcomes[0].error
    reset = int(fake_sendgrid.requests[0].reply_headers["X-RateLimit-Reset"])
    assert reset > time.time()


def test_429_without_a_reset_time_waits_a_minute(channel, fake_sendgrid):
    fake_sendgrid.script(429, headers={"X-RateLimit-Reset": ""})
    [outcome] = channel.send(content(), outgoing(emails(1)))
    assert outcome.status == RETRY and outcome.retry_after == 60.0


@pytest.mark.parametrize("status", [500, 502, 503, 401, 403])
def test_provider_and_key_trouble_is_retried(channel, fake_sendgrid, status):
    fake_sendgrid.script(status)
    outcomes = channel.send(content(), outgoing(emails(2)))
    assert {o.status for o in outcomes} == {RETRY}
    assert f"SendGrid {status}" in outcomes[0].error
    # The next batch goes through: nothing stuck in the client.
    assert {o.status for o in channel.send(content(), outgoing(emails(2, 3)))} == {SENT}


def test_a_wrong_api_key_is_retried_not_failed(app):
    from tests.fakes import FakeSendGrid

    with FakeSendGrid(api_key="SG.right") as fake:
        channel = SendGridEmail("SG.wrong", fake.url, SENDER, timeout=0.5)
        outcomes = channel.send(content(), outgoing(emails(2)))
    assert {o.status for o in outcomes} == {RETRY}
    assert "SendGrid 401" in outcomes[0].error


def test_a_timeout_is_retried(channel, fake_sendgrid):
    fake_sendgrid.script("timeout")
    outcomes = channel.send(content(), outgoing(emails(2)))
    assert {o.status for o in outcomes} == {RETRY}
    assert "unreachable" in outcomes[0].error
    [held] = fake_sendgrid.requests
    assert held.hung_up.wait(fake_sendgrid.hang_seconds)  # the client gave up first
    assert channel.send(content(), outgoing(emails(1, 3)))[0].status == SENT


def test_a_refused_connection_is_retried(channel, fake_sendgrid):
    fake_sendgrid.stop()
    outcomes = channel.send(content(), outgoing(emails(2)))
    assert {o.status for o in outcomes} == {RETRY}
    assert "unreachable" in outcomes[0].error


def test_a_rate_limited_delivery_is_not_due_before_the_reset(
    channel, fake_sendgrid, make_subscriber, make_broadcast
):
    make_subscriber("ann@example.com")
    expand_broadcast(make_broadcast().id)
    fake_sendgrid.script(429, reset_in=600)

    drain(channel)

    row = db.session.scalar(select(Delivery))
    assert row.state == "queued" and row.attempts == 1
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=590)
    assert "429" in row.last_error


def test_the_registry_builds_the_sendgrid_channel_from_settings(app, fake_sendgrid):
    app.config.update(
        EMAIL_BACKEND="sendgrid",
        SENDGRID_API_KEY="SG.from-settings",
        SENDGRID_HOST=fake_sendgrid.url,
        MAIL_FROM="status@example.com",
        PROVIDER_TIMEOUT=0.5,
    )
    channel = channels_for(app, "email")["email"]
    assert isinstance(channel, SendGridEmail)
    assert channel.send(content(), outgoing(emails(1)))[0].status == SENT
    request = fake_sendgrid.requests[0]
    assert request.headers["Authorization"] == "Bearer SG.from-settings"
    # The From names the page, as it does with every email backend.
    assert request.json["from"] == {"email": "status@example.com", "name": "Herald Status"}


def test_the_event_webhook_signer_signs_as_sendgrid_does(sendgrid_signer):
    events = [event("delivered", "ann@example.com", delivery_id=12)]
    signed = sendgrid_signer.sign(events)
    verifier = EventWebhook(sendgrid_signer.public_key)
    signature, stamp = signed.headers[SIGNATURE_HEADER], signed.headers[TIMESTAMP_HEADER]
    assert verifier.verify_signature(signed.body.decode(), signature, stamp)
    assert not verifier.verify_signature(signed.body.decode() + " ", signature, stamp)
    assert not verifier.verify_signature(signed.body.decode(), signature, str(int(stamp) + 1))
    raw = b'[{"event":"bounce","email":"b@example.com","sg_event_id":"x"}]'
    again = sendgrid_signer.sign(raw, timestamp=1700000000)
    assert again.body == raw and again.headers[TIMESTAMP_HEADER] == "1700000000"
    assert verifier.verify_signature(raw.decode(), again.headers[SIGNATURE_HEADER], "1700000000")


def _mail(**changes) -> dict:
    body = {
        "from": {"email": "status@example.com"},
        "subject": "Hello",
        "content": [{"type": "text/plain", "value": "Hi"}],
        "personalizations": [{"to": [{"email": "a@example.com"}]}],
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (_mail(personalizations=[]), "personalizations", "at least one"),
        (
            _mail(personalizations=[{"to": [{"email": f"p{n}@example.com"}]} for n in range(1001)]),
            "personalizations",
            "more than 1000",
        ),
        (
            _mail(
                personalizations=[{"to": [{"email": "a@example.com"}, {"email": "A@example.com"}]}]
            ),
            "personalizations.0.to.1.email",
            "unique",
        ),
        (_mail(subject=""), "subject", "subject is required"),
        (_mail(content=[]), "content", "content parameter is required"),
        (
            _mail(
                content=[
                    {"type": "text/html", "value": "<p>x"},
                    {"type": "text/plain", "value": "x"},
                ]
            ),
            "content",
            "in order",
        ),
        (_mail(custom_args={"herald_broadcast": 7}), "custom_args.herald_broadcast", "string"),
        (_mail(**{"from": {"email": "nobody"}}), "from.email", "valid address"),
    ],
)
def test_the_fake_checks_bodies_as_sendgrid_does(fake_sendgrid, body, field, words):
    import requests

    response = requests.post(
        f"{fake_sendgrid.url}/v3/mail/send",
        json=body,
        headers={"Authorization": "Bearer SG.x"},
        timeout=5,
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    assert requests.post(f"{fake_sendgrid.url}/v3/other", timeout=5).status_code == 404


def test_a_subject_with_a_line_break_fails_each_delivery_without_a_request(channel, fake_sendgrid):
    outcomes = channel.send(content(subject="Payments down\nfor everyone"), outgoing(emails(3)))
    assert [o.status for o in outcomes] == [FAILED, FAILED, FAILED]
    assert {o.subscriber_action for o in outcomes} == {None}
    assert all(o.error.startswith("The email cannot be built") for o in outcomes)
    assert not fake_sendgrid.requests  # SendGrid would only answer 400, every time


def test_an_address_with_a_line_break_fails_alone(channel, fake_sendgrid):
    batch = outgoing(["person1@example.com", "bad@example.com\r\nBcc: x@example.com"])
    outcomes = {o.delivery_id: o for o in channel.send(content(), batch)}
    assert outcomes[1].status == SENT
    assert outcomes[2].status == FAILED and "cannot be built" in outcomes[2].error
    [request] = fake_sendgrid.requests
    assert [p["to"] for p in request.json["personalizations"]] == [
        [{"email": "person1@example.com"}]
    ]
