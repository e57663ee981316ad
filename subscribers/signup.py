"""Public sign-up steps beyond the registry: confirming by emailed link or by texted
code (and the token of the SMS code page), and a webhook's synchronous, signed test
delivery (its double opt-in).

Like the registry, these work in the caller's transaction; the caller commits, or rolls
back on a ServiceError so that a failed sign-up leaves nothing behind. The webhook
sign-up writes nothing until its test delivery has been answered (see
subscribe_webhook).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass

import requests
from flask import current_app
from flask_babel import gettext
from sqlalchemy import update

from core.db import db
from core.errors import NotFound, ServiceError
from core.time import utcnow
from subscribers import registry
from subscribers.audiences import get_audience
from subscribers.channels import channels_for
from subscribers.channels.base import Content, Outgoing
from subscribers.channels.webhook import payload_for
from subscribers.channels.webhook_http import DeadlineExceeded
from subscribers.links import (
    confirmation_token,
    fingerprint_matches,
    link_token,
    new_link_id,
    read_confirmation_token,
)
from subscribers.models import Broadcast, Delivery, Subscriber
from subscribers.validation import normalise_webhook_url

log = logging.getLogger(__name__)

# Wrong tries a texted code survives: guessing one of a million codes stays hopeless
# (new codes are limited per number at sign-up).
CODE_ATTEMPTS = 5


class TooManyAttempts(ServiceError):
    """A bound on tries was reached; nothing else was changed."""

    status = 429
    code = "too_many_attempts"


# Email: the confirmation link ------------------------------------------------------


def subscriber_to_confirm(token: str) -> Subscriber:
    """The subscriber an emailed confirmation link names, without changing anything.
    Only email is confirmed by link: an SMS code page's token must not skip the code."""
    try:
        subscriber_id, prefix = read_confirmation_token(token)
    except ValueError as error:
        raise ServiceError(str(error)) from None
    subscriber = _confirming(subscriber_id, prefix, "email")
    # An address kept only for messages to its owner has nothing to confirm.
    if subscriber is None or registry.is_address_only(subscriber):
        raise ServiceError(gettext("This confirmation link is not valid any more."))
    return subscriber


def _confirming(subscriber_id: int, prefix: str, channel: str) -> Subscriber | None:
    """The subscriber a confirmation token names, if it is on ``channel`` and the token
    was made for its current link id."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if (
        subscriber is None
        or subscriber.channel != channel
        or not fingerprint_matches(prefix, subscriber.link_id, subscriber.legacy_token_hash)
    ):
        return None
    return subscriber


def confirm_by_link(token: str) -> Subscriber:
    """The emailed confirmation link: signed, expires after 7 days."""
    subscriber = subscriber_to_confirm(token)
    if subscriber.state == "active":
        return subscriber
    if subscriber.state != "pending":
        raise ServiceError(
            gettext("This subscription was cancelled; subscribe again to restart it.")
        )
    return registry.activate(subscriber, "confirmed by email link")


# SMS: the code, and the page where it is typed in --------------------------------


def _count_attempt(subscriber: Subscriber) -> None:
    """Count one try at the code, or raise TooManyAttempts when none is left. One
    conditional UPDATE, so that tries sent at the same moment cannot pass the bound."""
    counted = db.session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber.id, Subscriber.confirm_attempts < CODE_ATTEMPTS)
        .values(confirm_attempts=Subscriber.confirm_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(subscriber, ["confirm_attempts"])
    if not counted:
        raise TooManyAttempts(
            gettext("Too many wrong codes for this number. Subscribe again to get a new code."),
            "code",
        )


def confirm_by_code(subscriber: Subscriber, code: str) -> Subscriber:
    """The SMS code typed on the web page. Each try is counted and the code stops
    working after CODE_ATTEMPTS of them: the caller commits after a wrong code too, so
    that the count stands (it is the only thing a wrong code changes)."""
    if subscriber.state == "active":
        return subscriber
    if subscriber.state != "pending" or not subscriber.confirm_code_hash:
        raise ServiceError(gettext("There is no confirmation waiting for this number."), "code")
    if subscriber.confirm_expires_at is None or subscriber.confirm_expires_at < utcnow():
        raise ServiceError(
            gettext("That code has expired; subscribe again to get a new one."), "code"
        )
    _count_attempt(subscriber)
    if not hmac.compare_digest(
        subscriber.confirm_code_hash, registry.hash_code(subscriber, (code or "").strip())
    ):
        raise ServiceError(
            gettext("That code is not right. Check the text message and try again."), "code"
        )
    return registry.activate(subscriber, "confirmed by SMS code")


def code_page_token(subscriber: Subscriber) -> str:
    """A signed, expiring token naming a pending SMS subscriber (never the manage token,
    which would let whoever typed a number in manage it)."""
    return confirmation_token(subscriber.id, subscriber.link_id)


def subscriber_for_code_page(token: str) -> Subscriber:
    try:
        subscriber_id, prefix = read_confirmation_token(token)
    except ValueError:
        raise ServiceError(
            gettext(
                "This confirmation page has expired or is not valid. "
                "Subscribe again to get a new code."
            )
        ) from None
    subscriber = _confirming(subscriber_id, prefix, "sms")
    if subscriber is None:
        raise NotFound(gettext("This confirmation page is not valid any more. Subscribe again."))
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


# The X-Herald-Delivery of a test delivery: it is sent before any row exists.
TEST_DELIVERY_ID = 0


def _record_test(subscriber: Subscriber, payload: dict, status: int) -> Delivery:
    """The test delivery, written to the outbox as already sent (after the receiver
    answered it) so that staff can see it and no worker picks it up."""
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
        provider_message_id=f"http:{status}",
        sent_at=now,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


def failure_message() -> str:
    """What the person signing up is told whatever went wrong with the test delivery:
    one message, so that the form cannot be used to probe which hosts and ports answer
    how (the details go to the log)."""
    timeout = current_app.config["PROVIDER_TIMEOUT"]
    return gettext(
        "The test delivery to that URL did not succeed: it must answer with a 2xx status "
        "within %(seconds)s seconds.",
        seconds=format(timeout, "g"),
    )


def _failure_reason(error: requests.RequestException) -> str:
    """The detail of a failed test delivery, for the log."""
    if isinstance(error, DeadlineExceeded):
        return f"no complete answer in time ({error})"
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS failed: {error}"
    if isinstance(error, requests.Timeout):
        return f"timed out: {error}"
    if isinstance(error, requests.ConnectionError):
        return f"could not connect: {error}"
    return f"{type(error).__name__}: {error}"


def _send_test(address: str, link_id: str, secret: str, payload: dict) -> int:
    """POST the signed test delivery; its 2xx status, or a ServiceError."""
    content = Content(0, "confirm_webhook", "", "", "", "", payload, direct=True)
    item = Outgoing(TEST_DELIVERY_ID, 0, address, link_token(link_id), secret, 0)
    channel = channels_for(current_app._get_current_object(), only="webhook")["webhook"]
    try:
        response = channel.post(address, secret, payload_for(content, item), TEST_DELIVERY_ID)
    except requests.RequestException as error:
        log.info("webhook test delivery to %s failed: %s", address, _failure_reason(error))
        raise ServiceError(failure_message(), "address") from None
    finally:
        channel.close()
    status = response.status_code
    if not 200 <= status < 300:
        log.info(
            "webhook test delivery to %s failed: answered HTTP %s (redirects are not followed)",
            address,
            status,
        )
        raise ServiceError(failure_message(), "address")
    return status


def subscribe_webhook(
    url: str,
    *,
    component_ids: list[int] | None = None,
    group_ids: list[int] | None = None,
    audience: str = "customers",
) -> WebhookSignup:
    """Sign a webhook up: POST it a signed test delivery now and create it, active, on a
    2xx answer. Any other outcome raises a ServiceError for the address field and
    nothing is written.

    A receiver can take its time to answer (up to PROVIDER_TIMEOUT seconds in all), and
    SQLite has one writer: so nothing is written, and no transaction is left open, while
    the test delivery is out. First the checks (reads only), then the delivery, then the
    subscriber and the record of the test in one short transaction that the caller
    commits. Call it with no uncommitted work in the session (it ends the session's
    transaction before sending).
    """
    config = current_app.config
    address = normalise_webhook_url(url, config["WEBHOOK_ALLOW_PRIVATE"])
    existing = registry.find_by_audience_key("webhook", address, audience)
    if existing is not None and existing.state == "active":
        return WebhookSignup(existing, verified=False)
    if existing is not None and existing.state == "quarantined":
        raise ServiceError(str(registry.QUARANTINED), "address")
    component_ids, group_ids = registry.check_selection(component_ids, group_ids)
    # The test carries the subscriber's links and is signed with its new secret, so both
    # exist before the row does.
    link_id = existing.link_id if existing is not None else new_link_id()
    secret = registry.new_secret()
    payload = _test_payload()
    db.session.rollback()  # nothing was written: end the read transaction

    status = _send_test(address, link_id, secret, payload)

    subscriber, activated = registry.subscribe_proven_webhook(
        address,
        link_id=link_id,
        secret=secret,
        how=f"webhook answered the test delivery with {status}",
        component_ids=component_ids,
        group_ids=group_ids,
        audience=audience,
    )
    if not activated:  # someone proved it meanwhile; their secret stands
        return WebhookSignup(subscriber, verified=False)
    _record_test(subscriber, payload, status)
    log.info("webhook subscriber %s verified (%s)", subscriber.id, status)
    return WebhookSignup(subscriber, verified=True, status=status)
