"""Public subscription pages: sign-up, confirmation, manage, unsubscribe.

Pages that carry a token or a form are personal: they are never cached, never indexed,
and every change is a POST (a mail scanner that fetches links changes nothing). The
unsubscribe POST is exempt from CSRF: mail providers POST it with no cookies (RFC 8058
one-click) and the token in the URL is what authenticates it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Response, current_app, redirect, request, url_for

from app.errors import NotFound, ServiceError
from app.extensions import csrf, db, limiter
from app.models import Component, ComponentGroup
from app.public import bp
from app.public.caching import personal_page
from app.status.summary import visible_components
from subscribers import registry
from subscribers.channels.webhook import SIGNATURE_HEADER
from subscribers.links import read_confirmation_token
from subscribers.models import CHANNELS, Subscriber
from subscribers.signup import (
    code_page_token,
    subscribe_webhook,
    subscriber_for_code_page,
)
from subscribers.validation import normalise

log = logging.getLogger(__name__)

CHANNEL_LABELS = {"email": "Email", "sms": "Text message", "webhook": "Webhook"}
STATE_LABELS = {
    "pending": "Waiting for confirmation",
    "active": "Active",
    "unsubscribed": "Unsubscribed",
    "quarantined": "Paused: our messages could not be delivered",
}
WRONG_CODE = "That code is not right. Check the text message and try again."
# Guessing a 6-digit code must stay hopeless: attempts per pending number, whatever
# the client address.
CODE_ATTEMPTS = "10 per hour"


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
            "Mobile phone number",
            "tel",
            "tel",
            "Include the country code, for example +44 7911 123456 (a number without one "
            f"is read as a {region} number). We will text you a code to confirm.",
            "Enter your mobile phone number.",
            "Text me a code",
        )
    if channel == "webhook":
        return AddressField(
            "Webhook URL",
            "url",
            "url",
            "An https:// address. We POST a signed test delivery to it now; it must answer "
            "with a 2xx status.",
            "Enter the webhook URL.",
            "Send a test and subscribe",
        )
    return AddressField(
        "Email address",
        "email",
        "email",
        "We will email you a link to confirm. Nothing else is sent until you do.",
        "Enter your email address.",
        "Subscribe",
    )


@dataclass
class Choices:
    """The public components a subscriber can choose, grouped as on the page."""

    groups: list[tuple[ComponentGroup, list[Component]]]
    solo: list[Component]

    @property
    def component_ids(self) -> set[int]:
        ids = {c.id for c in self.solo}
        for _, components in self.groups:
            ids |= {c.id for c in components}
        return ids

    @property
    def group_ids(self) -> set[int]:
        return {group.id for group, _ in self.groups}


def public_choices() -> Choices:
    by_group: dict[int, tuple[ComponentGroup, list[Component]]] = {}
    solo = []
    for component in visible_components("public"):
        if component.group is None:
            solo.append(component)
        else:
            by_group.setdefault(component.group.id, (component.group, []))[1].append(component)
    groups = sorted(by_group.values(), key=lambda item: (item[0].position, item[0].name))
    return Choices(groups, solo)


@dataclass
class Selection:
    scope: str = "all"
    component_ids: set[int] = field(default_factory=set)
    group_ids: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, subscriber: Subscriber) -> Selection:
        return cls(
            "all" if subscriber.all_components else "some",
            {s.component_id for s in subscriber.selections if s.component_id},
            {s.group_id for s in subscriber.selections if s.group_id},
        )


def resubscribe_selection(subscriber: Subscriber) -> Selection:
    """The subscriber's choice, limited to what the sign-up form accepts."""
    choices = public_choices()
    current = Selection.of(subscriber)
    kept = Selection(
        current.scope,
        current.component_ids & choices.component_ids,
        current.group_ids & choices.group_ids,
    )
    if kept.scope == "some" and not kept.component_ids and not kept.group_ids:
        return Selection()
    return kept


def read_selection(choices: Choices, errors: dict[str, str]) -> Selection:
    """The posted choice: everything, or ticked public components and groups."""
    form = request.form
    scope = "some" if form.get("scope") == "some" else "all"
    raw_components, raw_groups = form.getlist("component"), form.getlist("group")
    try:
        component_ids = {int(value) for value in raw_components}
        group_ids = {int(value) for value in raw_groups}
    except ValueError:
        component_ids, group_ids = set(), set()
        errors["components"] = "Choose components from the list."
    selection = Selection(scope, component_ids, group_ids)
    if "components" in errors:
        pass
    elif component_ids - choices.component_ids or group_ids - choices.group_ids:
        errors["components"] = "Choose components from the list."
    elif scope == "some" and not component_ids and not group_ids:
        errors["components"] = (
            "Tick at least one component or group, or choose to hear about everything."
        )
    return selection


def _problem(title: str, message: str, status: int) -> Response:
    return personal_page("public/subscribe_problem.html", status, title=title, message=message)


def _subscribe_rate() -> str:
    return current_app.config["SUBSCRIBE_RATE"]


def _code_page_key() -> str:
    token = (request.view_args or {}).get("token", "")
    try:
        subscriber_id, _ = read_confirmation_token(token)
    except ValueError:
        return f"sms-code:{token[:64]}"
    return f"sms-code:{subscriber_id}"


def _form_error(error: ServiceError) -> tuple[str, str]:
    if error.field in ("components", "code"):
        return error.field, error.message
    return "address", error.message


@bp.route("/subscribe", methods=["GET", "POST"])
@limiter.limit(
    _subscribe_rate,
    methods=["POST"],
    error_message="Too many sign-ups from your network. Wait a few minutes and try again.",
)
def subscribe():
    choices = public_choices()
    channel = request.values.get("channel", "email")
    if channel not in CHANNELS:
        channel = "email"
    errors: dict[str, str] = {}
    address = ""
    selection = Selection()
    if request.method == "POST":
        address = request.form.get("address", "").strip()
        selection = read_selection(choices, errors)
        if not address:
            errors["address"] = address_field(channel).missing
        elif errors:  # say everything that is wrong at once
            _check_address(channel, address, errors)
        if not errors:
            response = _sign_up(channel, address, selection, errors)
            if response is not None:
                return response
        errors = {name: errors[name] for name in ("address", "components") if name in errors}
    return personal_page(
        "public/subscribe.html",
        400 if errors else 200,
        channel=channel,
        channel_labels=CHANNEL_LABELS,
        field=address_field(channel),
        address=address,
        choices=choices,
        selection=selection,
        errors=errors,
    )


def _check_address(channel: str, address: str, errors: dict[str, str]) -> None:
    config = current_app.config
    try:
        normalise(
            channel,
            address,
            region=config["PHONE_REGION"],
            allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
        )
    except ServiceError as error:
        errors["address"] = error.message


def _sign_up(
    channel: str, address: str, selection: Selection, errors: dict[str, str]
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
                channel, address, component_ids=component_ids, group_ids=group_ids
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


@bp.route("/subscribe/sms/<token>", methods=["GET", "POST"])
@limiter.limit(
    _subscribe_rate,
    methods=["POST"],
    error_message="Too many attempts from your network. Wait a few minutes and try again.",
)
@limiter.limit(
    CODE_ATTEMPTS,
    methods=["POST"],
    key_func=_code_page_key,
    error_message="Too many wrong codes for this number. Subscribe again later for a new one.",
)
def subscribe_code(token: str):
    try:
        subscriber = subscriber_for_code_page(token)
    except ServiceError as error:
        return _problem("This page has expired", error.message, 404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = "".join(request.form.get("code", "").split())
        if not code:
            errors["code"] = "Enter the 6-digit code from the text message."
        elif subscriber.state != "pending":
            # Already confirmed (or never sent a code): say what a wrong code says, so
            # that this page does not tell who is subscribed.
            errors["code"] = WRONG_CODE
        else:
            try:
                registry.confirm_by_code(subscriber, code)
                db.session.commit()
            except ServiceError as error:
                db.session.rollback()
                errors["code"] = error.message
            else:
                log.info("sms subscriber %s confirmed by code", subscriber.id)
                return personal_page(
                    "public/subscribe_done.html",
                    subscriber=subscriber,
                    links=registry.links_for(subscriber),
                )
    return personal_page(
        "public/subscribe_code.html", 400 if errors else 200, token=token, errors=errors
    )


def _confirmable(token: str) -> Subscriber:
    """The subscriber an email confirmation link names, without changing anything."""
    return registry.subscriber_to_confirm(token)


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
def subscribe_confirm(token: str):
    if request.method == "POST":
        try:
            subscriber = registry.confirm_by_link(token)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            return _problem("We could not confirm your subscription", error.message, 400)
        log.info("email subscriber %s confirmed by link", subscriber.id)
        return personal_page(
            "public/subscribe_done.html",
            subscriber=subscriber,
            links=registry.links_for(subscriber),
        )
    # A GET only shows the button: mail scanners fetch links, people press buttons.
    try:
        subscriber = _confirmable(token)
    except ServiceError as error:
        return _problem("We could not confirm your subscription", error.message, 400)
    if subscriber.state == "active":
        return personal_page(
            "public/subscribe_done.html",
            subscriber=subscriber,
            links=registry.links_for(subscriber),
            already=True,
        )
    if subscriber.state != "pending":
        return _problem(
            "We could not confirm your subscription",
            "This subscription was cancelled; subscribe again to restart it.",
            400,
        )
    return personal_page("public/subscribe_confirm.html", subscriber=subscriber, token=token)


def _subscriber_or_404(token: str) -> Subscriber | Response:
    try:
        return registry.by_token(token)
    except NotFound as error:
        return _problem("Subscription not found", error.message, 404)


@bp.route("/subscriptions/<token>", methods=["GET", "POST"])
def subscription(token: str):
    found = _subscriber_or_404(token)
    if isinstance(found, Response):
        return found
    subscriber = found
    choices = public_choices()
    errors: dict[str, str] = {}
    selection = Selection.of(subscriber)
    if request.method == "POST":
        selection = read_selection(choices, errors)
        if not errors:
            try:
                _save_selection(subscriber, selection, choices)
                db.session.commit()
            except ServiceError as error:
                db.session.rollback()
                errors["components"] = error.message
            else:
                log.info("subscriber %s changed their selection", subscriber.id)
                return redirect(url_for("public.subscription", token=token, saved=1), 303)
    return personal_page(
        "public/subscription.html",
        400 if errors else 200,
        subscriber=subscriber,
        state_label=STATE_LABELS[subscriber.state],
        channel_label=CHANNEL_LABELS[subscriber.channel],
        choices=choices,
        selection=selection,
        errors=errors,
        saved=request.method == "GET" and request.args.get("saved") == "1",
        resubscribe=resubscribe_selection(subscriber),
    )


def _save_selection(subscriber: Subscriber, selection: Selection, choices: Choices) -> None:
    """Replace the public part of the selection; choices this page does not show (set by
    staff, or no longer public) are kept."""
    if selection.scope == "all":
        registry.set_selection(subscriber, None, None)
        return
    current = Selection.of(subscriber)
    kept_components = current.component_ids - choices.component_ids
    kept_groups = current.group_ids - choices.group_ids
    registry.set_selection(
        subscriber,
        sorted(selection.component_ids | kept_components),
        sorted(selection.group_ids | kept_groups),
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    found = _subscriber_or_404(token)
    if isinstance(found, Response):
        return found
    subscriber = found
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        reason = "one-click unsubscribe (RFC 8058)" if one_click else "unsubscribed with the link"
        registry.unsubscribe(subscriber, reason)
        db.session.commit()
        log.info("subscriber %s unsubscribed (%s)", subscriber.id, reason)
        return personal_page(
            "public/unsubscribed.html",
            subscriber=subscriber,
            channel_label=CHANNEL_LABELS[subscriber.channel],
            resubscribe=resubscribe_selection(subscriber),
        )
    # A GET never unsubscribes: it asks.
    return personal_page(
        "public/unsubscribe.html",
        subscriber=subscriber,
        channel_label=CHANNEL_LABELS[subscriber.channel],
        resubscribe=resubscribe_selection(subscriber),
    )
