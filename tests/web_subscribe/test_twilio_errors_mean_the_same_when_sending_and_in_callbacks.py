"""A Twilio error code means the same whether Twilio refuses the send or reports the
failure later in a status callback: one table (subscribers.channels.twilio_errors)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from subscribers import registry
from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.models import Delivery, Subscriber
from subscribers.outbox import Message, create_broadcast, expand_broadcast

REFUSED = "+14155550101"  # Twilio refuses the send itself
LATER = "+14155550102"  # accepted, then reported failed by the status callback


@pytest.fixture
def twilio_app(app, fake_twilio):
    app.config.update(
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        TWILIO_FROM="+15005550001",
        TWILIO_API_BASE=fake_twilio.url,
        SMS_RATE=0,
    )
    return app


def send_to(numbers: list[str]) -> None:
    for number in numbers:
        registry.activate(registry.subscribe("sms", number), "confirmed in the test")
    broadcast = create_broadcast(
        "customers", Message(subject="Hi", text="Hi", sms="Hi"), source="test:1", channels=["sms"]
    )
    db.session.commit()
    expand_broadcast(broadcast.id)


def row(number: str) -> Delivery:
    db.session.expire_all()
    return db.session.scalar(select(Delivery).where(Delivery.address == number))


@pytest.mark.parametrize(
    ("code", "subscriber_state"),
    [(21211, "quarantined"), (21610, "unsubscribed"), (30008, "active")],
)
def test_a_code_fails_the_delivery_and_treats_the_subscriber_alike_on_both_paths(
    twilio_app, fake_twilio, code, subscriber_state
):
    fake_twilio.refuse(REFUSED, code=code)
    send_to([REFUSED, LATER])
    channel = channels_for(twilio_app, "sms")["sms"]
    assert drain(channel) == 2
    sent = row(LATER)
    assert sent.state == "sent"

    signed = fake_twilio.status_callback(sent.provider_message_id, "failed", error_code=code)
    response = twilio_app.test_client().post(
        signed.path, base_url=signed.base_url, data=signed.form, headers=signed.headers
    )
    assert response.status_code == 200

    for number in (REFUSED, LATER):
        delivery = row(number)
        assert delivery.state == "failed", number  # for good: not queued for a retry
        assert str(code) in delivery.last_error
        subscriber = db.session.get(Subscriber, delivery.subscriber_id)
        assert subscriber.state == subscriber_state, number
    assert drain(channel) == 0  # nothing is left to retry
    channel.close()
