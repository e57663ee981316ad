"""A subscriber's state and language: confirmed (active), unsubscribed, opted in again,
quarantined after failures and released by staff; and the language of its messages.

Not every row is a subscription: an *address only* row is kept so that messages meant for
its owner alone reach it (a private page viewer's sign-in links) before the owner has
subscribed to anything. It is ``pending`` (no broadcast reaches a pending row) with the
reason ``ADDRESS_ONLY``; it is left out of every list and count of subscribers, and no
link unsubscribes or confirms it. Subscribing with that address makes it a subscription
like any other.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import ColumnElement, or_

from core.errors import ServiceError
from core.time import utcnow
from core.vocab import LANGUAGES
from subscribers.models import Subscriber

# The reason of an address-only row (worded for the rows private pages keep for their
# viewers, the only ones so far; rows written before the name existed carry it too).
ADDRESS_ONLY = "private page viewer (sign-in links only)"


def is_address_only(subscriber: Subscriber) -> bool:
    """Whether the row is only an address (see the module's docstring), not a subscription."""
    return subscriber.state == "pending" and subscriber.state_reason == ADDRESS_ONLY


def subscriptions() -> ColumnElement[bool]:
    """The rows that are subscriptions, as a WHERE clause: every row but address-only ones."""
    return or_(Subscriber.state != "pending", Subscriber.state_reason != ADDRESS_ONLY)


def check_language(language: str) -> None:
    """Refuse a language Herald has no words in (before anything changes)."""
    if language not in LANGUAGES:
        raise ServiceError(
            gettext(
                "Choose a language from the list: %(languages)s.", languages=", ".join(LANGUAGES)
            ),
            "language",
        )


def set_language(subscriber: Subscriber, language: str) -> Subscriber:
    """The subscriber's choice of language for the messages it gets."""
    check_language(language)
    subscriber.language = language
    return subscriber


def activate(subscriber: Subscriber, how: str) -> Subscriber:
    subscriber.state = "active"
    subscriber.state_reason = how
    subscriber.confirmed_at = utcnow()
    subscriber.confirm_code_hash = ""
    subscriber.confirm_expires_at = None
    subscriber.confirm_attempts = 0
    return subscriber


def unsubscribe(subscriber: Subscriber, reason: str) -> Subscriber:
    """Stop every message to this subscriber at once (queued ones are suppressed)."""
    if subscriber.state != "unsubscribed":
        subscriber.state = "unsubscribed"
        subscriber.state_reason = reason
    return subscriber


def resubscribe(subscriber: Subscriber, reason: str) -> Subscriber:
    """SMS START: the person opted in again from their phone."""
    if subscriber.state in ("unsubscribed", "pending"):
        activate(subscriber, reason)
    return subscriber


def quarantine(subscriber: Subscriber, reason: str) -> Subscriber:
    subscriber.state = "quarantined"
    subscriber.state_reason = reason
    return subscriber


def release(subscriber: Subscriber) -> Subscriber:
    """Staff release a quarantined subscriber after fixing the cause."""
    if subscriber.state != "quarantined":
        raise ServiceError("Only a quarantined subscriber can be released.")
    subscriber.failure_count = 0
    subscriber.first_failure_at = None
    return activate(subscriber, "released by staff")
