"""The public sign-up form. The next steps have their own modules: confirmation
(subscribe_confirm) and the manage and unsubscribe links (subscription).

Pages that carry a token or a form are personal: they are never cached, never indexed,
and every change is a POST (a mail scanner that fetches links changes nothing).

Sign-ups are limited per client address and per address signed up (an email address
or phone number, normalised), so that one person's inbox or phone cannot be flooded
with confirmations from many networks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Response, current_app, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.extensions import limiter
from app.i18n import current_language
from app.public import bp
from app.public.caching import personal_page
from app.public.subscription_forms import (
    CHANNEL_LABELS,
    Selection,
    public_choices,
    read_language,
    read_selection,
    subscribe_rate,
)
from core.db import db
from core.errors import ServiceError
from core.vocab import LANGUAGES
from subscribers import registry
from subscribers.channels.webhook import SIGNATURE_HEADER
from subscribers.models import PUBLIC_CHANNELS
from subscribers.signup import code_page_token, subscribe_webhook
from subscribers.validation import normalise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddressField:
    label: str
    type: str
    autocomplete: str
    hint: str
    missing: str
    button: str


def address_field(channel: str) -> AddressField:
    if channel == "sms":
        region = current_app.config["PHONE_REGION"]
        return AddressField(
            gettext("Mobile phone number"),
            "tel",
            "tel",
            gettext(
                "Include the country code, for example +44 7911 123456 (a number without one "
                "is read as a %(region)s number). We will text you a code to confirm.",
                region=region,
            ),
            gettext("Enter your mobile phone number."),
            gettext("Text me a code"),
        )
    if channel == "webhook":
        return AddressField(
            gettext("Webhook URL"),
            "url",
            "url",
            gettext(
                "An https:// address. We POST a signed test delivery to it now; it must "
                "answer with a 2xx status."
            ),
            gettext("Enter the webhook URL."),
            gettext("Send a test and subscribe"),
        )
    return AddressField(
        gettext("Email address"),
        "email",
        "email",
        gettext("We will email you a link to confirm. Nothing else is sent until you do."),
        gettext("Enter your email address."),
        gettext("Subscribe"),
    )


def _address_rate() -> str:
    return current_app.config["SUBSCRIBE_ADDRESS_RATE"]


def _posted_address() -> str | None:
    """The email address or phone number a sign-up names, normalised, as a limiter key;
    None for a webhook or for an address that is not valid (the form says why, and
    nothing is counted)."""
    channel = request.values.get("channel", "email")
    if channel not in ("email", "sms"):
        return None
    try:
        address = _normalise(channel, request.form.get("address", ""))
    except ServiceError:
        return None
    return f"{channel}:{address}"


def _form_error(error: ServiceError) -> tuple[str, str]:
    if error.field in ("components", "code", "language"):
        return error.field, error.message
    return "address", error.message


@bp.route("/subscribe", methods=["GET", "POST"])
@limiter.limit(
    subscribe_rate,
    methods=["POST"],
    error_message=_l("Too many sign-ups from your network. Wait a few minutes and try again."),
)
@limiter.limit(
    _address_rate,
    methods=["POST"],
    key_func=_posted_address,
    exempt_when=lambda: _posted_address() is None,
    error_message=_l(
        "Too many sign-ups for this address recently. Nothing more was sent; try again later."
    ),
)
def subscribe():
    choices = public_choices()
    channel = request.values.get("channel", "email")
    if channel not in PUBLIC_CHANNELS:
        channel = "email"
    errors: dict[str, str] = {}
    address = ""
    selection = Selection()
    language = request.values.get("language") or current_language()
    if request.method == "POST":
        address = request.form.get("address", "").strip()
        selection = read_selection(choices, errors)
        language = read_language(errors)
        if not address:
            errors["address"] = address_field(channel).missing
        elif errors:  # say everything that is wrong at once
            _check_address(channel, address, errors)
        if not errors:
            response = _sign_up(channel, address, selection, language, errors)
            if response is not None:
                return response
        errors = {
            name: errors[name] for name in ("address", "components", "language") if name in errors
        }
    return personal_page(
        "public/subscribe.html",
        400 if errors else 200,
        channel=channel,
        channel_labels=CHANNEL_LABELS,
        field=address_field(channel),
        address=address,
        choices=choices,
        selection=selection,
        language=language if language in LANGUAGES else current_language(),
        errors=errors,
    )


def _normalise(channel: str, address: str) -> str:
    config = current_app.config
    return normalise(
        channel,
        address,
        region=config["PHONE_REGION"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
    )


def _check_address(channel: str, address: str, errors: dict[str, str]) -> None:
    try:
        _normalise(channel, address)
    except ServiceError as error:
        errors["address"] = error.message


def _sign_up(
    channel: str, address: str, selection: Selection, language: str, errors: dict[str, str]
) -> Response | None:
    """Sign up and answer with the next step; None (with ``errors`` filled) on bad input."""
    everything = selection.scope == "all"
    component_ids = [] if everything else sorted(selection.component_ids)
    group_ids = [] if everything else sorted(selection.group_ids)
    try:
        if channel == "webhook":
            result = subscribe_webhook(address, component_ids=component_ids, group_ids=group_ids)
        else:
            subscriber = registry.subscribe(
                channel,
                address,
                component_ids=component_ids,
                group_ids=group_ids,
                language=language,
            )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        key, message = _form_error(error)
        errors[key] = message
        return None
    if channel == "webhook":
        log.info(
            "webhook sign-up: subscriber %s verified=%s", result.subscriber.id, result.verified
        )
        return personal_page(
            "public/subscribe_webhook.html",
            subscriber=result.subscriber,
            verified=result.verified,
            header=SIGNATURE_HEADER,
        )
    log.info("%s sign-up: subscriber %s (%s)", channel, subscriber.id, subscriber.state)
    if channel == "email":
        # The same page whether the address was new, pending or already confirmed.
        return redirect(url_for("public.subscribe_sent"), 303)
    return redirect(url_for("public.subscribe_code", token=code_page_token(subscriber)), 303)


@bp.get("/subscribe/check-your-email")
def subscribe_sent():
    return personal_page("public/subscribe_sent.html")
