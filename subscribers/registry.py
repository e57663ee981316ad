"""Subscriber services: sign-up with double opt-in, confirmation, selections, opt-out,
quarantine, and staff-added subscribers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.directory import component_groups, components
from core.errors import NotFound, ServiceError
from core.time import utcnow
from core.vocab import DEFAULT_LANGUAGE
from subscribers.audiences import get_audience
from subscribers.channels import slack_api
from subscribers.links import (
    confirm_url,
    is_legacy_token,
    legacy_token_hash,
    link_token,
    manage_url,
    new_link_id,
    read_link_token,
    unsubscribe_url,
)
from subscribers.models import CHANNELS, PUBLIC_CHANNELS, Audience, Subscriber, Subscription
from subscribers.outbox import Message, create_broadcast
from subscribers.states import (  # noqa: F401  (callers use registry.<name>)
    activate,
    check_language,
    is_address_only,
    quarantine,
    release,
    resubscribe,
    set_language,
    unsubscribe,
)
from subscribers.validation import normalise

SMS_CODE_LIFETIME = timedelta(hours=24)
# Chat destinations: staff add them, for internal audiences and teams only.
STAFF_ONLY_CHANNELS = tuple(c for c in CHANNELS if c not in PUBLIC_CHANNELS)
QUARANTINED = _l("This address cannot be subscribed right now; contact us.")


@dataclass(frozen=True)
class SignUpPage:
    """The page a subscription is made on when it is not the public status page (a
    private page): the confirmation names it and links to it."""

    name: str
    url: str


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
    """The subscriber a manage or unsubscribe link names: a signed link token, or a
    token sent before migration 0006 (matched by its hash)."""
    link_id = read_link_token(token)
    if link_id is not None:
        query = select(Subscriber).where(Subscriber.link_id == link_id)
    elif is_legacy_token(token):
        query = select(Subscriber).where(Subscriber.legacy_token_hash == legacy_token_hash(token))
    else:
        query = None
    subscriber = db.session.scalar(query) if query is not None else None
    # An address kept only for messages to its owner alone has no subscription to manage
    # (its links may be in emails sent before it was kept apart).
    if subscriber is None or is_address_only(subscriber):
        raise NotFound(
            gettext("This link is not valid. It may be from a subscription that was removed.")
        )
    return subscriber


def check_selection(
    component_ids: list[int] | None, group_ids: list[int] | None = None
) -> tuple[list[int], list[int]]:
    """The chosen component and group ids, sorted, once they are known to exist
    (reads only); a ServiceError otherwise."""
    component_ids = sorted(set(component_ids or []))
    group_ids = sorted(set(group_ids or []))
    known_components = (
        set(db.session.scalars(select(components.c.id).where(components.c.id.in_(component_ids))))
        if component_ids
        else set()
    )
    known_groups = (
        set(
            db.session.scalars(
                select(component_groups.c.id).where(component_groups.c.id.in_(group_ids))
            )
        )
        if group_ids
        else set()
    )
    if set(component_ids) - known_components or set(group_ids) - known_groups:
        raise ServiceError(gettext("Some of the chosen components do not exist."), "components")
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


def new_secret() -> str:
    """A webhook's signing secret."""
    return secrets.token_hex(32)


def _new_subscriber(channel: str, address: str, audience: Audience, **values) -> Subscriber:
    """``values`` may bring the link id and secret (a webhook's test delivery used them
    before the row existed)."""
    values.setdefault("link_id", new_link_id())
    values.setdefault("secret", new_secret() if channel == "webhook" else "")
    subscriber = Subscriber(
        channel=channel,
        address=address,
        audience_id=audience.id,
        **values,
    )
    db.session.add(subscriber)
    return subscriber


def hash_code(subscriber: Subscriber, code: str) -> str:
    """The stored form of an SMS code: keyed, and bound to the subscriber."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{subscriber.link_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _direct(subscriber: Subscriber, template: str, source: str, **context) -> None:
    """Queue a message to one subscriber (a confirmation or a notice), through the outbox."""
    context.update(
        page_name=current_app.config["PAGE_NAME"],
        unsubscribe_url="[%unsubscribe_url%]",
        manage_url="[%manage_url%]",
        subscriber=subscriber,
    )
    base = f"notifications/{template}"
    # One reader: the message is written in the subscriber's language.
    with force_locale(subscriber.language or DEFAULT_LANGUAGE):
        message = Message(
            subject=render_template(f"{base}.subject.txt", **context).strip(),
            text=render_template(f"{base}.txt", **context),
            html=render_template(f"{base}.html", **context)
            if subscriber.channel == "email"
            else "",
            sms=render_template(f"{base}.sms.txt", **context).strip(),
            webhook_payload=context.get("webhook_payload") or {"notice": template},
        )
    create_broadcast(
        subscriber.audience, message, source=source, kind=template, subscriber_id=subscriber.id
    )


def send_confirmation(subscriber: Subscriber, page: SignUpPage | None = None) -> str | None:
    """Queue the double opt-in for a pending subscriber (by email, naming ``page`` when
    the subscription is made on one). Returns the SMS code (for the web page to say it
    was sent), else None."""
    nonce = secrets.token_hex(4)
    if subscriber.channel == "email":
        _direct(
            subscriber,
            "confirm_email",
            f"confirm:{subscriber.id}:{nonce}",
            confirm_url=confirm_url(subscriber.id, subscriber.link_id),
            signup_page=page,
        )
        return None
    if subscriber.channel == "sms":
        code = f"{secrets.randbelow(1_000_000):06d}"
        subscriber.confirm_code_hash = hash_code(subscriber, code)
        subscriber.confirm_expires_at = utcnow() + SMS_CODE_LIFETIME
        subscriber.confirm_attempts = 0
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
    language: str = DEFAULT_LANGUAGE,
    page: SignUpPage | None = None,
) -> Subscriber:
    """Public sign-up: a pending subscriber that hears nothing but the confirmation, in
    ``language``; ``page`` is the page signed up on when it is not the public one.

    Signing up again with a known address re-sends the confirmation (pending) or does
    nothing visible (active), so the form never reveals who is subscribed. An address
    kept only for messages to its owner (``subscribers.states``) becomes a subscription,
    with new links: none that was sent before it subscribed manages it.
    """
    if channel not in PUBLIC_CHANNELS:
        raise ServiceError("Sign up by email, SMS or webhook.", "channel")
    check_language(language)
    address = _normalise(channel, address)
    target = get_audience(audience)
    subscriber = find(channel, address, target)
    if subscriber is not None and subscriber.state == "active":
        return subscriber
    if subscriber is not None and subscriber.state == "quarantined":
        raise ServiceError(str(QUARANTINED), "address")
    if subscriber is None:
        subscriber = _new_subscriber(
            channel, address, target, state="pending", source="public", language=language
        )
    else:
        if is_address_only(subscriber):
            subscriber.link_id = new_link_id()
        subscriber.state, subscriber.state_reason = "pending", ""
        subscriber.language = language
    db.session.flush()
    set_selection(subscriber, component_ids, group_ids)
    if channel != "webhook":
        send_confirmation(subscriber, page)
    db.session.flush()
    return subscriber


def subscribe_proven_webhook(
    address: str,
    *,
    link_id: str,
    secret: str,
    how: str,
    component_ids: list[int] | None = None,
    group_ids: list[int] | None = None,
    audience: str = "customers",
) -> tuple[Subscriber, bool]:
    """Public sign-up of a webhook whose (normalised) URL has just answered a signed test
    delivery made with ``link_id`` and ``secret``: active at once. Returns (subscriber,
    activated); one that became active meanwhile is left as it is (activated False)."""
    target = get_audience(audience)
    subscriber = find("webhook", address, target)
    if subscriber is not None and subscriber.state == "active":
        return subscriber, False
    if subscriber is not None and subscriber.state == "quarantined":
        raise ServiceError(str(QUARANTINED), "address")
    if subscriber is None:
        subscriber = _new_subscriber(
            "webhook",
            address,
            target,
            state="pending",
            source="public",
            link_id=link_id,
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


def add_internal(
    channel: str,
    address: str,
    audience: str,
    *,
    team_id: int | None = None,
    component_ids: list[int] | None = None,
    key_account: bool = False,
    name: str = "",
    notify: bool = True,
    language: str | None = None,
) -> tuple[Subscriber, bool]:
    """Staff add (or update) a subscriber, active at once. Returns (subscriber, created).
    A new one gets a short notice that says so, with the unsubscribe link, in its
    ``language`` (English when not given)."""
    if language is not None:
        check_language(language)
    if channel == "slack" and not slack_api.configured(current_app.config):
        raise ServiceError(slack_api.NOT_SET_UP, "channel")
    address = _normalise(channel, address)
    try:
        target = get_audience(audience)
    except LookupError:
        raise ServiceError(f"There is no audience called {audience!r}.", "audience") from None
    if target.key == "teams" and team_id is None:
        raise ServiceError(
            "The teams audience reaches people through their team: choose a team (it is "
            "told by the team's address), or another audience.",
            "audience",
        )
    if channel in STAFF_ONLY_CHANNELS and target.visibility != "internal":
        raise ServiceError(
            f"{target.name} is a public audience: Slack and chat webhook destinations are for "
            "internal audiences and teams only.",
            "channel",
        )
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
    subscriber.team_id = team_id
    subscriber.key_account = key_account
    subscriber.name = name or subscriber.name
    if language is not None:
        subscriber.language = language
    db.session.flush()
    set_selection(subscriber, component_ids)
    if created and notify:
        _direct(subscriber, "added_notice", f"added:{subscriber.id}", audience_name=target.name)
    return subscriber, created


def links_for(subscriber: Subscriber) -> dict[str, str]:
    token = link_token(subscriber.link_id)
    return {"manage": manage_url(token), "unsubscribe": unsubscribe_url(token)}
