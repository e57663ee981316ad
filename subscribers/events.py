"""What providers tell us after a send: SendGrid events, Twilio status callbacks and
inbound text messages (STOP, START, HELP, YES).

The web layer verifies each callback's signature and hands the parsed data to these
functions, which change deliveries and subscribers in the caller's transaction (the
caller commits once, so one callback is one transaction). Nothing here knows HTTP.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db import db
from core.time import utcnow
from subscribers import registry
from subscribers.channels.twilio_errors import twilio_error
from subscribers.links import link_token, manage_url
from subscribers.models import Delivery, ProviderEvent, Subscriber

log = logging.getLogger(__name__)

# Twilio's own opt-out and opt-in keywords (carriers and Twilio act on them too).
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "CANCEL"}
)
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
CONFIRM_WORDS = frozenset({"YES"})

FINAL_STATES = ("delivered", "failed", "bounced", "suppressed")


def first_time(provider: str, event_id: str) -> bool:
    """Record that ``event_id`` was handled; False when it was already (a retry).

    An insert that ignores a duplicate key, so two deliveries of one event racing each
    other still count it once, on SQLite and PostgreSQL alike.
    """
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    result = db.session.execute(
        insert(ProviderEvent)
        .values(provider=provider, event_id=event_id[:128], received_at=utcnow())
        .on_conflict_do_nothing()
        # Without this, psycopg reports -1 for an INSERT (SQLAlchemy 2.1).
        .execution_options(preserve_rowcount=True)
    )
    return result.rowcount == 1


def _mask(number: str) -> str:
    return f"…{number[-4:]}" if len(number) > 4 else "…"


def _set_state(delivery: Delivery, state: str, error: str | None = None) -> None:
    delivery.state = state
    if error is not None:
        delivery.last_error = error[:2000]
    delivery.updated_at = utcnow()


def _quarantine(subscriber: Subscriber | None, reason: str) -> None:
    """Stop sending to an address that does not work (staff can release it)."""
    if subscriber is not None and subscriber.state in ("active", "pending"):
        registry.quarantine(subscriber, reason[:1000])


def _unsubscribe(subscriber: Subscriber | None, reason: str) -> None:
    if subscriber is not None:
        registry.unsubscribe(subscriber, reason[:1000])


# SendGrid ---------------------------------------------------------------------------


def _sendgrid_delivery(event: dict) -> Delivery | None:
    """The delivery an event is about: our ``herald_delivery`` custom argument (SendGrid
    copies custom arguments into each event as top-level keys), else the message id
    SendGrid gave the request (the part of ``sg_message_id`` before the first dot) and
    the recipient's address."""
    raw_id = str(event.get("herald_delivery") or "").strip()
    if raw_id.isdigit():
        delivery = db.session.get(Delivery, int(raw_id))
        if delivery is not None and delivery.channel == "email":
            return delivery
    message_id = str(event.get("sg_message_id") or "").split(".", 1)[0]
    if not message_id:
        return None
    query = select(Delivery).where(
        Delivery.channel == "email", Delivery.provider_message_id == message_id
    )
    email = str(event.get("email") or "").strip().lower()
    if email:
        query = query.where(Delivery.address == email)
    return db.session.scalars(query.order_by(Delivery.id).limit(1)).first()


def _sendgrid_reason(event: dict) -> str:
    parts = [str(event.get(key) or "").strip() for key in ("reason", "response", "status")]
    return "; ".join(part for part in parts if part)


def _apply_sendgrid_event(event: dict, delivery: Delivery) -> str:
    """Change the delivery (and its subscriber) as the event says; returns what was done."""
    kind = str(event.get("event") or "")
    subscriber = delivery.subscriber
    reason = _sendgrid_reason(event)
    if kind == "delivered":
        if delivery.state != "bounced":
            _set_state(delivery, "delivered", "")
        return "delivered"
    if kind == "bounce":
        why = f"bounced: {reason}" if reason else "bounced"
        _set_state(delivery, "bounced", why)
        _quarantine(subscriber, f"Email {why}")
        return "bounced"
    if kind == "dropped":
        why = f"dropped by SendGrid: {reason}" if reason else "dropped by SendGrid"
        _set_state(delivery, "failed", why)
        if reason.startswith(("Unsubscribed Address", "Spam Reporting Address")):
            _unsubscribe(subscriber, f"SendGrid: {reason}")
        elif reason.startswith("Bounced Address"):
            _quarantine(subscriber, f"Email {why}")
        return "dropped"
    if kind in ("spamreport", "unsubscribe", "group_unsubscribe"):
        labels = {
            "spamreport": "marked a message as spam",
            "unsubscribe": "unsubscribed through SendGrid",
            "group_unsubscribe": "unsubscribed from the SendGrid group",
        }
        _unsubscribe(subscriber, f"The recipient {labels[kind]}")
        return "unsubscribed"
    if kind == "deferred":
        attempt = event.get("attempt")
        note = f"deferred by the receiving server (attempt {attempt})" if attempt else "deferred"
        delivery.last_error = (f"{note}: {reason}" if reason else note)[:2000]
        delivery.updated_at = utcnow()
        return "deferred"
    return "ignored"  # processed, open, click, group_resubscribe …


def handle_sendgrid_events(events: list) -> Counter:
    """Apply a verified batch of SendGrid events; returns counts of what happened.

    Each event is handled once (deduplicated on ``sg_event_id``: SendGrid retries a
    batch for up to 24 hours)."""
    counts: Counter = Counter()
    for event in events:
        if not isinstance(event, dict):
            counts["malformed"] += 1
            continue
        event_id = str(event.get("sg_event_id") or "")
        if event_id and not first_time("sendgrid", event_id):
            counts["duplicate"] += 1
            continue
        delivery = _sendgrid_delivery(event)
        if delivery is None:
            counts["unmatched"] += 1
            log.info("sendgrid %s event %s matches no delivery", event.get("event"), event_id)
            continue
        counts[_apply_sendgrid_event(event, delivery)] += 1
    db.session.flush()
    log.info("sendgrid events: %s", dict(counts))
    return counts


# Twilio -----------------------------------------------------------------------------


def _error_code(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def handle_twilio_status(message_sid: str, status: str, error_code: str | None = None) -> str:
    """Apply a verified Twilio status callback; returns what was done."""
    delivery = (
        db.session.scalars(
            select(Delivery)
            .where(Delivery.channel == "sms", Delivery.provider_message_id == message_sid)
            .limit(1)
        ).first()
        if message_sid
        else None
    )
    if delivery is None:
        log.info("twilio status %s for %s matches no delivery", status, message_sid)
        return "unmatched"
    if status == "delivered":
        if delivery.state not in ("bounced", "suppressed"):
            _set_state(delivery, "delivered", "")
        return "delivered"
    if status not in ("undelivered", "failed"):
        return "ignored"  # queued, sending, sent, accepted …: nothing new for us
    code = _error_code(error_code)
    known = twilio_error(code)
    error = f"Twilio: {status}" + (f", error {code}" if code is not None else "")
    error += f" ({known.meaning})" if known else ""
    if delivery.state != "delivered":
        _set_state(delivery, "failed", error)
    # The same table as the send path's (subscribers.channels.twilio_errors).
    action = known.subscriber_action if known else None
    if action == "unsubscribe":
        _unsubscribe(delivery.subscriber, error)
    elif action == "quarantine":
        _quarantine(delivery.subscriber, error)
    log.info("twilio status %s for delivery %s: %s", status, delivery.id, error)
    return "failed"


@dataclass(frozen=True)
class InboundResult:
    """What an inbound text did, and the reply to send (None: no reply from us)."""

    action: str
    reply: str | None
    subscribers: int = 0


def _sms_subscribers(number: str, *states: str) -> list[Subscriber]:
    query = select(Subscriber).where(Subscriber.channel == "sms", Subscriber.address == number)
    if states:
        query = query.where(Subscriber.state.in_(states))
    return list(db.session.scalars(query.order_by(Subscriber.id)))


def keyword(body: str) -> str:
    """The keyword of a text: 'Stop.' and ' stop ' are STOP."""
    words = (body or "").strip().upper().split()
    return words[0].strip(".!?,;:") if len(words) == 1 else " ".join(words)


def handle_inbound_sms(number: str, body: str) -> InboundResult:
    """Mirror an inbound text into subscriber state and say what to answer."""
    config = current_app.config
    page = config["PAGE_NAME"]
    sign_up = f"{config['PUBLIC_URL']}/subscribe"
    number = (number or "").strip()
    word = keyword(body)
    if word in STOP_WORDS:
        found = _sms_subscribers(number)
        for subscriber in found:
            _unsubscribe(subscriber, f"Replied {word} by text message")
        log.info("sms %s from %s: %d unsubscribed", word, _mask(number), len(found))
        # Twilio (and the carrier) answer STOP themselves.
        return InboundResult("unsubscribed", None, len(found))
    if word in START_WORDS:
        found = _sms_subscribers(number, "unsubscribed", "pending")
        for subscriber in found:
            registry.resubscribe(subscriber, f"Texted {word}")
        log.info("sms %s from %s: %d re-subscribed", word, _mask(number), len(found))
        return InboundResult("resubscribed", None, len(found))
    if word in CONFIRM_WORDS:
        now = utcnow()
        waiting = [
            s
            for s in _sms_subscribers(number, "pending")
            if s.confirm_code_hash and s.confirm_expires_at and s.confirm_expires_at > now
        ]
        for subscriber in waiting:
            registry.activate(subscriber, "confirmed by replying YES")
        log.info("sms YES from %s: %d confirmed", _mask(number), len(waiting))
        if waiting:
            return InboundResult(
                "confirmed",
                f"{page}: you are subscribed to status updates. "
                f"Manage: {manage_url(link_token(waiting[0].link_id))} Reply STOP to opt out.",
                len(waiting),
            )
        return InboundResult(
            "nothing_pending",
            f"{page}: there is no subscription waiting for this number, or its code "
            f"expired. Subscribe at {sign_up}",
        )
    if word in HELP_WORDS:
        found = _sms_subscribers(number, "active", "pending")
        manage = (
            f" Manage: {manage_url(link_token(found[0].link_id))}"
            if found
            else f" Subscribe: {sign_up}"
        )
        return InboundResult(
            "help",
            f"{page} status alerts.{manage} Reply STOP to opt out, START to opt back in. "
            "Msg & data rates may apply.",
            len(found),
        )
    for handler in INBOUND_HANDLERS:
        result = handler(number, (body or "").strip(), _sms_subscribers(number, "active"))
        if result is not None:
            return result
    log.info("sms from %s with no keyword ignored", _mask(number))
    return InboundResult("ignored", None)


# Handlers for other replies (a team answering a roll call), added by the application:
# each gets (number, text, the number's active subscribers) and returns an InboundResult
# when the text was for it, else None.
INBOUND_HANDLERS: list = []


def register_inbound_handler(handler) -> None:
    if handler not in INBOUND_HANDLERS:
        INBOUND_HANDLERS.append(handler)
