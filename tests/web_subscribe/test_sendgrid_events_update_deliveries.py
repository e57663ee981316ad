"""SendGrid's signed event webhook updates email deliveries and their subscribers, once
per sg_event_id; an unsigned or forged batch gets 403 and changes nothing."""

from __future__ import annotations

import base64
import json
from itertools import count

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from core.db import db
from subscribers import registry
from subscribers.models import Delivery, ProviderEvent
from subscribers.outbox import Message, create_broadcast, expand_broadcast

EVENTS = "/webhooks/sendgrid/events"
ids = count(1)


def event(delivery: Delivery, kind: str, *, by_message_id: bool = False, **extra) -> dict:
    """An event as SendGrid posts it: custom args appear as top-level keys."""
    item = {
        "email": delivery.address,
        "timestamp": 1700000000,
        "event": kind,
        "sg_event_id": f"evt-{next(ids)}",
        "sg_message_id": "msg-abc.filter0001.16648.5515E0B88.0",
        **extra,
    }
    if not by_message_id:
        item["herald_delivery"] = str(delivery.id)
    return item


@pytest.fixture
def sent_email(app):
    """An email to ada@example.com that SendGrid accepted with X-Message-Id msg-abc."""
    for address in ("ada@example.com", "bob@example.com"):
        registry.activate(registry.subscribe("email", address), "confirmed in the test")
    broadcast = create_broadcast(
        "customers", Message(subject="Hi", text="Hi"), source="test:1", channels=["email"]
    )
    db.session.commit()
    expand_broadcast(broadcast.id)
    for delivery in db.session.scalars(select(Delivery)):
        delivery.state, delivery.provider_message_id = "sent", "msg-abc"
    db.session.commit()
    return db.session.scalar(select(Delivery).where(Delivery.address == "ada@example.com"))


def reload(delivery: Delivery) -> Delivery:
    db.session.expire_all()
    return db.session.get(Delivery, delivery.id)


def bob() -> Delivery:
    db.session.expire_all()
    return db.session.scalar(select(Delivery).where(Delivery.address == "bob@example.com"))


def test_a_delivered_event_marks_the_delivery_delivered(sent_email, post_events):
    response = post_events([event(sent_email, "processed"), event(sent_email, "delivered")])
    assert response.status_code == 200
    assert reload(sent_email).state == "delivered"
    assert bob().state == "sent"


def test_an_event_without_the_custom_arg_is_matched_by_message_id_and_address(
    sent_email, post_events
):
    post_events([event(sent_email, "delivered", by_message_id=True)])
    assert reload(sent_email).state == "delivered"
    assert bob().state == "sent"


def test_a_bounce_quarantines_the_subscriber_with_the_reason(sent_email, post_events):
    post_events([event(sent_email, "bounce", reason="550 5.1.1 No such user", type="bounce")])
    delivery = reload(sent_email)
    assert delivery.state == "bounced"
    assert "550 5.1.1 No such user" in delivery.last_error
    assert delivery.subscriber.state == "quarantined"
    assert "550 5.1.1 No such user" in delivery.subscriber.state_reason


@pytest.mark.parametrize(
    ("reason", "subscriber_state"),
    [
        ("Unsubscribed Address", "unsubscribed"),
        ("Bounced Address", "quarantined"),
        ("Invalid SMTPAPI header", "active"),
    ],
)
def test_a_dropped_message_fails_and_the_reason_decides_the_subscriber(
    sent_email, post_events, reason, subscriber_state
):
    post_events([event(sent_email, "dropped", reason=reason)])
    delivery = reload(sent_email)
    assert delivery.state == "failed"
    assert reason in delivery.last_error
    assert delivery.subscriber.state == subscriber_state


@pytest.mark.parametrize("kind", ["spamreport", "unsubscribe", "group_unsubscribe"])
def test_a_spam_report_or_unsubscribe_unsubscribes_the_subscriber(sent_email, post_events, kind):
    post_events([event(sent_email, kind)])
    delivery = reload(sent_email)
    assert delivery.subscriber.state == "unsubscribed"
    assert bob().subscriber.state == "active"


def test_a_deferral_is_noted_and_the_delivery_stays_sent(sent_email, post_events):
    post_events([event(sent_email, "deferred", response="421 try again later", attempt="2")])
    delivery = reload(sent_email)
    assert delivery.state == "sent"
    assert (
        delivery.last_error == "deferred by the receiving server (attempt 2): 421 try again later"
    )


def test_a_repeated_sg_event_id_is_ignored(sent_email, post_events):
    deferral = event(sent_email, "deferred", response="421 busy")
    post_events([deferral])
    delivery = reload(sent_email)
    delivery.last_error = ""
    db.session.commit()

    response = post_events([deferral, deferral])
    assert response.status_code == 200
    assert reload(sent_email).last_error == ""
    assert db.session.scalar(select(func.count()).select_from(ProviderEvent)) == 1


def unchanged(delivery: Delivery) -> bool:
    delivery = reload(delivery)
    events = db.session.scalar(select(func.count()).select_from(ProviderEvent))
    return (delivery.state, delivery.subscriber.state, events) == ("sent", "active", 0)


def test_an_unsigned_batch_gets_403_and_changes_nothing(sent_email, post_events):
    response = post_events([event(sent_email, "bounce")], headers={})
    assert response.status_code == 403
    assert unchanged(sent_email)


def test_a_batch_signed_with_another_key_gets_403(sent_email, post_events, sendgrid):
    other = ec.generate_private_key(ec.SECP256R1())
    body = json.dumps([event(sent_email, "bounce")])
    forged = type(sendgrid)(other, sendgrid.public_key_b64).headers(body)
    response = post_events(json.loads(body), headers=forged)
    assert response.status_code == 403
    assert unchanged(sent_email)


def test_a_tampered_body_or_timestamp_gets_403(app, sent_email, sendgrid):
    signed = json.dumps([event(sent_email, "delivered")])
    tampered = signed.replace('"delivered"', '"bounce"')
    headers = sendgrid.headers(signed)
    client = app.test_client()
    assert client.post(EVENTS, data=tampered, headers=headers).status_code == 403
    later = {**headers, "X-Twilio-Email-Event-Webhook-Timestamp": "1700000001"}
    assert client.post(EVENTS, data=signed, headers=later).status_code == 403
    garbled = {**headers, "X-Twilio-Email-Event-Webhook-Signature": "not base64!"}
    assert client.post(EVENTS, data=signed, headers=garbled).status_code == 403
    assert unchanged(sent_email)


def test_without_a_configured_key_every_batch_is_refused(app, sent_email, post_events):
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = ""
    assert post_events([event(sent_email, "bounce")]).status_code == 403
    assert unchanged(sent_email)


def test_a_key_that_is_not_ecdsa_is_refused(app, sent_email, post_events):
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = base64.b64encode(b"not a key").decode()
    assert post_events([event(sent_email, "bounce")]).status_code == 403
    assert unchanged(sent_email)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (json.dumps({"event": "bounce"}), "Expected a JSON array of events."),
        ('[{"event": ', "The body is not valid JSON:"),
    ],
)
def test_a_signed_body_that_is_not_an_array_gets_400(app, sendgrid, sent_email, body, reason):
    response = app.test_client().post(EVENTS, data=body, headers=sendgrid.headers(body))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.startswith(reason) and text.endswith(" Nothing was changed.\n")
    assert unchanged(sent_email)


@pytest.mark.parametrize(
    "body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]
)
def test_a_signed_body_nested_100000_deep_gets_400_and_changes_nothing(
    app, sendgrid, sent_email, body
):
    response = app.test_client().post(EVENTS, data=body, headers=sendgrid.headers(body))
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.get_data(as_text=True)
    assert unchanged(sent_email)
