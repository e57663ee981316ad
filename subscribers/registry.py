"""Subscriber services: sign-up with double opt-in, confirmation, selections, opt-out,
quarantine, and staff-added subscribers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import select

from app.errors import NotFound, ServiceError
from app.extensions import db
from app.models import Component, ComponentGroup, Team, utcnow
from subscribers.audiences import get_audience
from subscribers.links import (
    confirm_url,
    manage_url,
    read_confirmation_token,
    token_matches,
    unsubscribe_url,
)
from subscribers.models import Audience, Subscriber, Subscription
from subscribers.outbox import Message, create_broadcast
from subscribers.validation import normalise

SMS_CODE_LIFETIME = timedelta(hours=24)
QUARANTINED = "This address cannot be subscribed right now; contact us."


def _normalise(channel: str, address: str) -> str:
    config = current_app.config
    return normalise(
        channel,
        address,
        region=config["PHONE_REGION"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
    )


def find(channel: str, address: str, audience: Audience) -> Subscriber | None:
    return db.session.scalar(
        select(Subscriber).where(
            Subscriber.channel == channel,
            Subscriber.address == address,
            Subscriber.audience_id == audience.id,
        )
    )


def find_by_audience_key(channel: str, address: str, audience: str) -> Subscriber | None:
    """Like ``find``, naming the audience by its key; reads only (a missing default
    audience is not created)."""
    return db.session.scalar(
        select(Subscriber)
        .join(Audience, Subscriber.audience_id == Audience.id)
        .where(
            Subscriber.channel == channel,
            Subscriber.address == address,
            Audience.key == audience,
        )
    )


def by_token(token: str) -> Subscriber:
    subscriber = (
        db.session.scalar(select(Subscriber).where(Subscriber.token == token)) if token else None
    )
    if subscriber is None:
        raise NotFound("This link is not valid. It may be from a subscription that was removed.")
    return subscriber


def check_selection(
    component_ids: list[int] | None, group_ids: list[int] | None = None
) -> tuple[list[int], list[int]]:
    """The chosen component and group ids, sorted, once they are known to exist
    (reads only); a ServiceError otherwise."""
    component_ids = sorted(set(component_ids or []))
    group_ids = sorted(set(group_ids or []))
    known_components = (
        set(db.session.scalars(select(Component.id).where(Component.id.in_(component_ids))))
        if component_ids
        else set()
    )
    known_groups = (
        set(db.session.scalars(select(ComponentGroup.id).where(ComponentGroup.id.in_(group_ids))))
        if group_ids
        else set()
    )
    if set(component_ids) - known_components or set(group_ids) - known_groups:
        raise ServiceError("Some of the chosen components do not exist.", "components")
    return component_ids, group_ids


def set_selection(
    subscriber: Subscriber, component_ids: list[int] | None, group_ids: list[int] | None = None
) -> None:
    """Choose what the subscriber hears about: None or nothing chosen means everything."""
    component_ids, group_ids = check_selection(component_ids, group_ids)
    subscriber.selections.clear()
    subscriber.all_components = not component_ids and not group_ids
    for cid in component_ids:
        subscriber.selections.append(Subscription(component_id=cid))
    for gid in group_ids:
        subscriber.selections.append(Subscription(group_id=gid))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_secret() -> str:
    """A webhook's signing secret."""
    return secrets.token_hex(32)


def _new_subscriber(channel: str, address: str, audience: Audience, **values) -> Subscriber:
    """``values`` may bring the token and secret (a webhook's test delivery used them
    before the row existed)."""
    values.setdefault("token", new_token())
    values.setdefault("secret", new_secret() if channel == "webhook" else "")
    subscriber = Subscriber(
        channel=channel,
        address=address,
        audience_id=audience.id,
        **values,
    )
    db.session.add(subscriber)
    return subscriber


def _hash_code(subscriber: Subscriber, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{subscriber.token}:{code}".encode(), hashlib.sha256).hexdigest()


def _direct(subscriber: Subscriber, template: str, source: str, **context) -> None:
    """Queue a message to one subscriber (a confirmation or a notice), through the outbox."""
    context.update(
        page_name=current_app.config["PAGE_NAME"],
        unsubscribe_url="[%unsubscribe_url%]",
        manage_url="[%manage_url%]",
        subscriber=subscriber,
    )
    base = f"notifications/{template}"
    message = Message(
        subject=render_template(f"{base}.subject.txt", **context).strip(),
        text=render_template(f"{base}.txt", **context),
        html=render_template(f"{base}.html", **context) if subscriber.channel == "email" else "",
        sms=render_template(f"{base}.sms.txt", **context).strip(),
        webhook_payload=context.get("webhook_payload") or {"notice": template},
    )
    create_broadcast(
        subscriber.audience, message, source=source, kind=template, subscriber_id=subscriber.id
    )


def send_confirmation(subscriber: Subscriber) -> str | None:
    """Queue the double opt-in for a pending subscriber. Returns the SMS code (for the
    web page to say it was sent), else None."""
    nonce = secrets.token_hex(4)
    if subscriber.channel == "email":
        _direct(
            subscriber,
            "confirm_email",
            f"confirm:{subscriber.id}:{nonce}",
            confirm_url=confirm_url(subscriber.id, subscriber.token),
        )
        return None
    if subscriber.channel == "sms":
        code = f"{secrets.randbelow(1_000_000):06d}"
        subscriber.confirm_code_hash = _hash_code(subscriber, code)
        subscriber.confirm_expires_at = utcnow() + SMS_CODE_LIFETIME
        _direct(subscriber, "confirm_sms", f"confirm:{subscriber.id}:{nonce}", code=code)
        return code
    return None


def subscribe(
    channel: str,
    address: str,
    *,
    component_ids: list[int] | None = None,
    group_ids: list[int] | None = None,
    audience: str = "customers",
) -> Subscriber:
    """Public sign-up: a pending subscriber that hears nothing but the confirmation.

    Signing up again with a known address re-sends the confirmation (pending) or does
    nothing visible (active), so the form never reveals who is subscribed.
    """
    address = _normalise(channel, address)
    target = get_audience(audience)
    subscriber = find(channel, address, target)
    if subscriber is not None and subscriber.state == "active":
        return subscriber
    if subscriber is not None and subscriber.state == "quarantined":
        raise ServiceError(QUARANTINED, "address")
    if subscriber is None:
        subscriber = _new_subscriber(channel, address, target, state="pending", source="public")
    else:
        subscriber.state, subscriber.state_reason = "pending", ""
    db.session.flush()
    set_selection(subscriber, component_ids, group_ids)
    if channel != "webhook":
        send_confirmation(subscriber)
    db.session.flush()
    return subscriber


def subscribe_proven_webhook(
    address: str,
    *,
    token: str,
    secret: str,
    how: str,
    component_ids: list[int] | None = None,
    group_ids: list[int] | None = None,
    audience: str = "customers",
) -> tuple[Subscriber, bool]:
    """Public sign-up of a webhook whose (normalised) URL has just answered a signed test
    delivery made with ``token`` and ``secret``: active at once. Returns (subscriber,
    activated); one that became active meanwhile is left as it is (activated False)."""
    target = get_audience(audience)
    subscriber = find("webhook", address, target)
    if subscriber is not None and subscriber.state == "active":
        return subscriber, False
    if subscriber is not None and subscriber.state == "quarantined":
        raise ServiceError(QUARANTINED, "address")
    if subscriber is None:
        subscriber = _new_subscriber(
            "webhook",
            address,
            target,
            state="pending",
            source="public",
            token=token,
            secret=secret,
        )
    else:
        # A new secret for whoever proves the URL now, even for a returning subscriber.
        subscriber.secret = secret
    db.session.flush()
    set_selection(subscriber, component_ids, group_ids)
    activate(subscriber, how)
    db.session.flush()
    return subscriber, True


def activate(subscriber: Subscriber, how: str) -> Subscriber:
    subscriber.state = "active"
    subscriber.state_reason = how
    subscriber.confirmed_at = utcnow()
    subscriber.confirm_code_hash = ""
    subscriber.confirm_expires_at = None
    return subscriber


def subscriber_to_confirm(token: str) -> Subscriber:
    """The subscriber an emailed confirmation link names, without changing anything.
    Only email is confirmed by link: an SMS code page's token must not skip the code."""
    try:
        subscriber_id, prefix = read_confirmation_token(token)
    except ValueError as error:
        raise ServiceError(str(error)) from None
    subscriber = db.session.get(Subscriber, subscriber_id)
    if (
        subscriber is None
        or subscriber.channel != "email"
        or not token_matches(subscriber.token, prefix)
    ):
        raise ServiceError("This confirmation link is not valid any more.")
    return subscriber


def confirm_by_link(token: str) -> Subscriber:
    """The emailed confirmation link: signed, expires after 7 days."""
    subscriber = subscriber_to_confirm(token)
    if subscriber.state == "active":
        return subscriber
    if subscriber.state != "pending":
        raise ServiceError("This subscription was cancelled; subscribe again to restart it.")
    return activate(subscriber, "confirmed by email link")


def confirm_by_code(subscriber: Subscriber, code: str) -> Subscriber:
    """The SMS code, typed on the web page or sent back by text."""
    if subscriber.state == "active":
        return subscriber
    if subscriber.state != "pending" or not subscriber.confirm_code_hash:
        raise ServiceError("There is no confirmation waiting for this number.", "code")
    if subscriber.confirm_expires_at is None or subscriber.confirm_expires_at < utcnow():
        raise ServiceError("That code has expired; subscribe again to get a new one.", "code")
    if not hmac.compare_digest(
        subscriber.confirm_code_hash, _hash_code(subscriber, (code or "").strip())
    ):
        raise ServiceError("That code is not right. Check the text message and try again.", "code")
    return activate(subscriber, "confirmed by SMS code")


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


def add_internal(
    channel: str,
    address: str,
    audience: str,
    *,
    team: Team | None = None,
    component_ids: list[int] | None = None,
    key_account: bool = False,
    name: str = "",
    notify: bool = True,
) -> tuple[Subscriber, bool]:
    """Staff add (or update) a subscriber, active at once. Returns (subscriber, created).
    A new one gets a short notice that says so, with the unsubscribe link."""
    address = _normalise(channel, address)
    try:
        target = get_audience(audience)
    except LookupError:
        raise ServiceError(f"There is no audience called {audience!r}.", "audience") from None
    subscriber = find(channel, address, target)
    created = subscriber is None
    if created:
        subscriber = _new_subscriber(
            channel,
            address,
            target,
            state="active",
            source="staff",
            confirmed_at=utcnow(),
            state_reason="added by staff",
        )
    elif subscriber.state == "unsubscribed":
        # Someone who opted out stays out: staff cannot override an unsubscribe.
        raise ServiceError(f"{address} unsubscribed and cannot be re-added by staff.", "address")
    subscriber.team_id = team.id if team else None
    subscriber.key_account = key_account
    subscriber.name = name or subscriber.name
    db.session.flush()
    set_selection(subscriber, component_ids)
    if created and notify:
        _direct(subscriber, "added_notice", f"added:{subscriber.id}", audience_name=target.name)
    return subscriber, created


def links_for(subscriber: Subscriber) -> dict[str, str]:
    return {
        "manage": manage_url(subscriber.token),
        "unsubscribe": unsubscribe_url(subscriber.token),
    }
