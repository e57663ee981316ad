"""Public sign-up steps beyond the registry: the token of the SMS code page, and a
webhook's synchronous, signed test delivery (its double opt-in).

Like the registry, these work in the caller's transaction; the caller commits, or rolls
back on a ServiceError so that a failed sign-up leaves nothing behind.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from flask import current_app

from app.errors import NotFound, ServiceError
from app.extensions import db
from app.models import utcnow
from subscribers import registry
from subscribers.audiences import get_audience
from subscribers.channels import channels_for
from subscribers.channels.base import Content, Outgoing
from subscribers.channels.webhook import payload_for
from subscribers.links import confirmation_token, read_confirmation_token, token_matches
from subscribers.models import Broadcast, Delivery, Subscriber

log = logging.getLogger(__name__)


# SMS: the page where the code is typed in --------------------------------------------


def code_page_token(subscriber: Subscriber) -> str:
    """A signed, expiring token naming a pending SMS subscriber (never the manage token,
    which would let whoever typed a number in manage it)."""
    return confirmation_token(subscriber.id, subscriber.token)


def subscriber_for_code_page(token: str) -> Subscriber:
    try:
        subscriber_id, prefix = read_confirmation_token(token)
    except ValueError:
        raise ServiceError(
            "This confirmation page has expired or is not valid. Subscribe again to get a new code."
        ) from None
    subscriber = db.session.get(Subscriber, subscriber_id)
    if (
        subscriber is None
        or subscriber.channel != "sms"
        or not token_matches(subscriber.token, prefix)
    ):
        raise NotFound("This confirmation page is not valid any more. Subscribe again.")
    return subscriber


# Webhooks: a signed test delivery that must answer 2xx ---------------------------------


@dataclass(frozen=True)
class WebhookSignup:
    subscriber: Subscriber
    # False when the URL was already subscribed: nothing was sent and the signing
    # secret is not shown again.
    verified: bool
    status: int | None = None


def _test_payload() -> dict:
    config = current_app.config
    return {
        "page": {"id": config["PAGE_ID"], "name": config["PAGE_NAME"]},
        "test": {
            "message": "Herald test delivery: answer with any 2xx status to confirm this "
            "webhook subscription.",
        },
    }


def _record_test(subscriber: Subscriber, payload: dict) -> Delivery:
    """The test delivery, written to the outbox as already sent so that staff can see it
    and no worker picks it up; rolled back with the sign-up if the receiver says no."""
    now = utcnow()
    audience = subscriber.audience or get_audience("customers")
    broadcast = Broadcast(
        audience_id=audience.id,
        subscriber_id=subscriber.id,
        kind="confirm_webhook",
        source=f"confirm:{subscriber.id}:{secrets.token_hex(4)}",
        channels=["webhook"],
        subject="Webhook test delivery",
        text_body=payload["test"]["message"],
        webhook_payload=payload,
        priority=audience.priority,
        state="done",
        recipients=1,
        expanded_at=now,
        first_sent_at=now,
        finished_at=now,
    )
    db.session.add(broadcast)
    db.session.flush()
    delivery = Delivery(
        broadcast_id=broadcast.id,
        subscriber_id=subscriber.id,
        channel="webhook",
        address=subscriber.address,
        priority=broadcast.priority,
        state="sent",
        attempts=1,
        sent_at=now,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


def _failure(url: str, error: requests.RequestException) -> str:
    host = urlsplit(url).hostname or url
    timeout = current_app.config["PROVIDER_TIMEOUT"]
    if isinstance(error, requests.exceptions.SSLError):
        return f"The test delivery could not be sent: the TLS certificate of {host} is not valid."
    if isinstance(error, requests.Timeout):
        return f"The test delivery got no answer from {host} within {timeout:g} seconds."
    if isinstance(error, requests.ConnectionError):
        return f"The test delivery could not connect to {host}."
    return f"The test delivery to {host} failed ({type(error).__name__})."


def subscribe_webhook(
    url: str,
    *,
    component_ids: list[int] | None = None,
    group_ids: list[int] | None = None,
    audience: str = "customers",
) -> WebhookSignup:
    """Sign a webhook up: POST it a signed test delivery now and activate it on a 2xx
    answer. Any other outcome raises a ServiceError for the address field; the caller
    then rolls back and nothing is created."""
    subscriber = registry.subscribe(
        "webhook", url, component_ids=component_ids, group_ids=group_ids, audience=audience
    )
    if subscriber.state == "active":
        return WebhookSignup(subscriber, verified=False)
    # A new secret for whoever proves the URL now, even for a returning subscriber.
    subscriber.secret = secrets.token_hex(32)
    payload = _test_payload()
    delivery = _record_test(subscriber, payload)
    content = Content(
        delivery.broadcast_id, "confirm_webhook", "", "", "", "", payload, direct=True
    )
    item = Outgoing(
        delivery.id, subscriber.id, subscriber.address, subscriber.token, subscriber.secret, 0
    )
    channel = channels_for(current_app._get_current_object(), only="webhook")["webhook"]
    try:
        response = channel.post(
            subscriber.address, subscriber.secret, payload_for(content, item), delivery.id
        )
    except requests.RequestException as error:
        log.info("webhook test delivery to %s failed: %s", subscriber.address, error)
        raise ServiceError(_failure(subscriber.address, error), "address") from None
    finally:
        channel.close()
    status = response.status_code
    if not 200 <= status < 300:
        log.info("webhook test delivery to %s answered %s", subscriber.address, status)
        raise ServiceError(
            f"The test delivery was refused: the webhook answered HTTP {status}. It must "
            "answer with a 2xx status (redirects are not followed).",
            "address",
        )
    delivery.provider_message_id = f"http:{status}"
    registry.activate(subscriber, f"webhook answered the test delivery with {status}")
    log.info("webhook subscriber %s verified (%s)", subscriber.id, status)
    return WebhookSignup(subscriber, verified=True, status=status)
