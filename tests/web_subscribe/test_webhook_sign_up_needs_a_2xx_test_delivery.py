"""Webhook sign-up: a signed test delivery goes to the URL at once; a 2xx answer makes
the subscription active and shows its signing secret once, anything else creates
nothing and gets one message whatever went wrong (the detail goes to the log). Outside
production a receiver on 127.0.0.1 is allowed; production refuses it."""

from __future__ import annotations

import json
import socket

from sqlalchemy import select

from config import load_config
from core.db import db
from subscribers.channels.webhook import sign
from subscribers.links import link_token
from subscribers.models import Broadcast, Delivery

FAILED = (
    "The test delivery to that URL did not succeed: it must answer with a 2xx status "
    "within 5 seconds."
)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_webhook_that_answers_2xx_is_active_and_sees_its_secret_once(
    browser, receiver, subscriber_of
):
    response = browser.sign_up("webhook", receiver.url)
    html = text_of(response)
    assert response.status_code == 200, html
    assert response.headers["Cache-Control"] == "no-store"
    assert "Your webhook is subscribed" in html

    subscriber = subscriber_of(receiver.url, "webhook")
    assert subscriber.state == "active"
    assert len(subscriber.secret) == 64
    assert f"<code>{subscriber.secret}</code>" in html
    assert "X-Herald-Signature" in html

    [test] = receiver.requests
    stamp = test["headers"]["X-Herald-Signature"].split(",")[0].removeprefix("t=")
    assert test["headers"]["X-Herald-Signature"] == sign(
        subscriber.secret, int(stamp), test["body"]
    )
    payload = json.loads(test["body"])
    assert "test" in payload
    assert payload["meta"]["unsubscribe"].endswith(f"/unsubscribe/{link_token(subscriber.link_id)}")
    assert payload["meta"]["manage"].endswith(f"/subscriptions/{link_token(subscriber.link_id)}")

    # Sent before anything is written: no delivery row exists yet to name.
    assert test["headers"]["X-Herald-Delivery"] == "0"
    delivery = db.session.scalar(select(Delivery).where(Delivery.subscriber_id == subscriber.id))
    assert (delivery.state, delivery.provider_message_id) == ("sent", "http:200")
    broadcast = db.session.get(Broadcast, delivery.broadcast_id)
    assert (broadcast.kind, broadcast.state) == ("confirm_webhook", "done")


def test_signing_up_the_same_webhook_again_sends_nothing_and_hides_the_secret(
    browser, receiver, subscriber_of, counts
):
    browser.sign_up("webhook", receiver.url)
    secret = subscriber_of(receiver.url, "webhook").secret
    before = counts()

    again = browser.sign_up("webhook", receiver.url)
    assert again.status_code == 200
    assert "This webhook is already subscribed" in text_of(again)
    assert secret not in text_of(again)
    assert len(receiver.requests) == 1
    assert counts() == before
    assert subscriber_of(receiver.url, "webhook").secret == secret


def test_a_webhook_that_refuses_the_test_is_not_created(browser, receiver, counts, caplog):
    receiver.status = 500
    with caplog.at_level("INFO", logger="subscribers.signup"):
        response = browser.sign_up("webhook", receiver.url)
    assert response.status_code == 400
    assert FAILED in text_of(response)
    assert "HTTP 500" not in text_of(response)
    assert "answered HTTP 500" in caplog.text  # the detail is in the server's log
    assert 'aria-invalid="true"' in text_of(response)
    assert len(receiver.requests) == 1
    assert counts() == (0, 0, 0)


def test_a_redirect_is_not_a_2xx(browser, receiver, counts):
    receiver.status = 302
    response = browser.sign_up("webhook", receiver.url)
    assert FAILED in text_of(response)
    assert counts() == (0, 0, 0)


def test_an_unreachable_webhook_is_not_created(browser, counts, caplog):
    with caplog.at_level("INFO", logger="subscribers.signup"):
        response = browser.sign_up("webhook", f"https://127.0.0.1:{closed_port()}/hook")
    assert response.status_code == 400
    assert FAILED in text_of(response)
    assert "could not connect" in caplog.text
    assert counts() == (0, 0, 0)


def test_a_webhook_with_an_untrusted_certificate_is_not_created(
    app, browser, receiver, counts, caplog
):
    app.config["WEBHOOK_CA_BUNDLE"] = ""  # the system store does not know the test CA
    with caplog.at_level("INFO", logger="subscribers.signup"):
        response = browser.sign_up("webhook", receiver.url)
    assert response.status_code == 400
    assert FAILED in text_of(response)
    assert "TLS failed" in caplog.text
    assert counts() == (0, 0, 0)


def test_production_settings_refuse_loopback_and_private_webhooks(app, browser, receiver, counts):
    production = load_config(
        {"HERALD_ENV": "production", "HERALD_SECRET_KEY": "x" * 32}, instance_path="/tmp"
    )
    assert production["WEBHOOK_ALLOW_PRIVATE"] is False
    app.config["WEBHOOK_ALLOW_PRIVATE"] = production["WEBHOOK_ALLOW_PRIVATE"]

    for url in (receiver.url, "https://10.1.2.3/hook", "https://[::1]/hook"):
        response = browser.sign_up("webhook", url)
        assert response.status_code == 400
        assert "private, loopback and link-local addresses are refused" in text_of(response)
    assert receiver.requests == []
    assert counts() == (0, 0, 0)


def test_plain_http_webhooks_are_refused(browser, receiver, counts):
    response = browser.sign_up("webhook", receiver.url.replace("https://", "http://"))
    assert response.status_code == 400
    assert "Webhook URLs must start with https://." in text_of(response)
    assert receiver.requests == []
    assert counts() == (0, 0, 0)
