"""Twilio's inbound-message webhook mirrors STOP, START, HELP and YES into subscriber
state, and its status callback updates deliveries; both answer 403 and change nothing
unless X-Twilio-Signature matches the auth token and the public URL."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from core.db import db
from subscribers import registry
from subscribers.links import link_token
from subscribers.models import Delivery, Subscriber
from subscribers.outbox import Message, create_broadcast, expand_broadcast

NUMBER = "+14155550100"
OTHER = "+14155550199"
INBOUND = "/webhooks/twilio/inbound"
STATUS = "/webhooks/twilio/status"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def replies(response) -> list[str]:
    """The texts of the TwiML answer's <Message> elements (it must parse as XML)."""
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    assert [child.tag for child in root] == ["Message"] * len(root)
    return [child.text or "" for child in root]


def states() -> dict[tuple[str, str], str]:
    db.session.expire_all()
    return {
        (s.address, s.audience.key): s.state
        for s in db.session.scalars(select(Subscriber).where(Subscriber.channel == "sms"))
    }


@pytest.fixture
def numbers(app):
    """NUMBER is a customer and an executive; OTHER is a customer."""
    for number in (NUMBER, OTHER):
        registry.activate(registry.subscribe("sms", number), "confirmed in the test")
    registry.add_internal("sms", NUMBER, "executives", notify=False)
    db.session.commit()


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stop",
        " Stop. ",
        "UNSUBSCRIBE",
        "END",
        "QUIT",
        "STOPALL",
        "REVOKE",
        "OPTOUT",
        "CANCEL",
    ],
)
def test_a_stop_word_unsubscribes_every_subscription_of_that_number(numbers, twilio_post, word):
    response = twilio_post(INBOUND, {"From": NUMBER, "Body": word, "MessageSid": "SM1"})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert replies(response) == []  # Twilio answers STOP itself
    assert states() == {
        (NUMBER, "customers"): "unsubscribed",
        (NUMBER, "executives"): "unsubscribed",
        (OTHER, "customers"): "active",
    }


@pytest.mark.parametrize("word", ["START", "unstop"])
def test_start_subscribes_the_number_again(numbers, twilio_post, word):
    twilio_post(INBOUND, {"From": NUMBER, "Body": "STOP"})
    response = twilio_post(INBOUND, {"From": NUMBER, "Body": word})
    assert replies(response) == []
    assert set(states().values()) == {"active"}


def test_help_gets_an_answer_with_the_manage_link(numbers, twilio_post):
    customer = db.session.scalar(
        select(Subscriber).where(Subscriber.address == NUMBER).order_by(Subscriber.id)
    )
    response = twilio_post(INBOUND, {"From": NUMBER, "Body": "help"})
    [reply] = replies(response)
    assert reply == (
        f"Herald Status status alerts. Manage: https://status.example.com/subscriptions/"
        f"{link_token(customer.link_id)} Reply STOP to opt out, START to opt back in. "
        "Msg & data rates may apply."
    )
    assert set(states().values()) == {"active"}


def test_help_from_a_stranger_points_to_the_sign_up_page(app, twilio_post):
    body = text_of(twilio_post(INBOUND, {"From": OTHER, "Body": "INFO"}))
    assert "Subscribe: https://status.example.com/subscribe" in body


def test_yes_confirms_a_pending_number(browser, twilio_post, subscriber_of):
    assert browser.sign_up("sms", NUMBER).status_code == 303
    response = twilio_post(INBOUND, {"From": NUMBER, "Body": "Yes"})
    assert "you are subscribed to status updates" in text_of(response)
    subscriber = subscriber_of(NUMBER, "sms")
    assert (subscriber.state, subscriber.state_reason) == ("active", "confirmed by replying YES")


def test_yes_with_nothing_waiting_says_so_and_changes_nothing(numbers, twilio_post):
    twilio_post(INBOUND, {"From": OTHER, "Body": "STOP"})
    response = twilio_post(INBOUND, {"From": OTHER, "Body": "YES"})
    assert "there is no subscription waiting for this number" in text_of(response)
    assert states()[(OTHER, "customers")] == "unsubscribed"


def test_other_texts_get_no_reply(numbers, twilio_post):
    assert replies(twilio_post(INBOUND, {"From": NUMBER, "Body": "stop it please"})) == []
    assert set(states().values()) == {"active"}


FORGERIES = {
    "unsigned": {"sign": False},
    "wrong signature": {"signature": "bm90IGEgc2lnbmF0dXJl"},
    "empty signature": {"signature": ""},
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_an_unsigned_or_forged_stop_gets_403_and_changes_nothing(numbers, twilio_post, forgery):
    response = twilio_post(INBOUND, {"From": NUMBER, "Body": "STOP"}, **FORGERIES[forgery])
    assert response.status_code == 403
    assert set(states().values()) == {"active"}


def test_a_signature_for_another_body_or_url_is_refused(app, numbers):
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
    url = "https://status.example.com" + INBOUND
    for signed_url, signed_form in (
        (url, {"From": OTHER, "Body": "STOP"}),
        ("https://elsewhere.example.com" + INBOUND, {"From": NUMBER, "Body": "STOP"}),
    ):
        response = app.test_client().post(
            INBOUND,
            data={"From": NUMBER, "Body": "STOP"},
            headers={"X-Twilio-Signature": validator.compute_signature(signed_url, signed_form)},
        )
        assert response.status_code == 403
    assert set(states().values()) == {"active"}


def test_without_an_auth_token_every_callback_is_refused(app, numbers, twilio_post):
    app.config["TWILIO_AUTH_TOKEN"] = ""
    assert twilio_post(INBOUND, {"From": NUMBER, "Body": "STOP"}).status_code == 403
    assert set(states().values()) == {"active"}


def test_the_query_string_is_part_of_the_signed_url(numbers, twilio_post):
    response = twilio_post(INBOUND + "?site=eu", {"From": NUMBER, "Body": "STOP"})
    assert response.status_code == 200
    assert states()[(NUMBER, "customers")] == "unsubscribed"


# Status callbacks ----------------------------------------------------------------------


@pytest.fixture
def sent_text(numbers):
    """A text to NUMBER's customer subscription that Twilio accepted as SM123."""
    broadcast = create_broadcast(
        "customers", Message(subject="Hi", text="Hi", sms="Hi"), source="test:1", channels=["sms"]
    )
    db.session.commit()
    expand_broadcast(broadcast.id)
    delivery = db.session.scalar(select(Delivery).where(Delivery.address == NUMBER))
    delivery.state, delivery.provider_message_id = "sent", "SM123"
    db.session.commit()
    return delivery


def reload(delivery: Delivery) -> Delivery:
    db.session.expire_all()
    return db.session.get(Delivery, delivery.id)


def test_delivered_marks_the_delivery_delivered(sent_text, twilio_post):
    response = twilio_post(STATUS, {"MessageSid": "SM123", "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert reload(sent_text).state == "delivered"


def test_sent_and_queued_change_nothing(sent_text, twilio_post):
    for status in ("queued", "sent"):
        twilio_post(STATUS, {"MessageSid": "SM123", "MessageStatus": status})
    assert reload(sent_text).state == "sent"


@pytest.mark.parametrize(
    ("status", "code", "subscriber_state"),
    [
        ("undelivered", "30003", "quarantined"),
        ("failed", "30005", "quarantined"),
        ("undelivered", "30006", "quarantined"),
        ("failed", "21610", "unsubscribed"),
        ("undelivered", "30008", "active"),
        ("failed", "", "active"),
    ],
)
def test_a_failure_is_recorded_and_says_what_to_do_with_the_subscriber(
    sent_text, twilio_post, status, code, subscriber_state
):
    twilio_post(STATUS, {"MessageSid": "SM123", "MessageStatus": status, "ErrorCode": code})
    delivery = reload(sent_text)
    assert delivery.state == "failed"
    assert delivery.last_error.startswith(f"Twilio: {status}")
    assert code in delivery.last_error
    assert delivery.subscriber.state == subscriber_state
    assert states()[(NUMBER, "executives")] == "active"


def test_a_forged_status_callback_gets_403_and_changes_nothing(sent_text, twilio_post):
    form = {"MessageSid": "SM123", "MessageStatus": "failed", "ErrorCode": "21610"}
    assert twilio_post(STATUS, form, sign=False).status_code == 403
    assert twilio_post(STATUS, form, signature="Zm9yZ2Vk").status_code == 403
    delivery = reload(sent_text)
    assert (delivery.state, delivery.subscriber.state) == ("sent", "active")


def test_a_callback_for_an_unknown_message_changes_nothing(sent_text, twilio_post):
    response = twilio_post(STATUS, {"MessageSid": "SM999", "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert reload(sent_text).state == "sent"
