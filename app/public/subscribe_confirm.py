"""Public confirmation pages: the page where a texted code is typed in, and the
emailed confirmation link (a GET shows a button; only the POST confirms)."""

from __future__ import annotations

import logging

from flask import request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.extensions import limiter
from app.i18n import speak_to
from app.public import bp
from app.public.caching import personal_page
from app.public.subscription_forms import Home, home_of, problem_page, subscribe_rate
from core.db import db
from core.errors import ServiceError
from subscribers import registry
from subscribers.signup import (
    TooManyAttempts,
    confirm_by_code,
    confirm_by_link,
    subscriber_for_code_page,
    subscriber_to_confirm,
)

log = logging.getLogger(__name__)

WRONG_CODE = _l("That code is not right. Check the text message and try again.")
NOT_CONFIRMED = _l("We could not confirm your subscription")


@bp.route("/subscribe/sms/<token>", methods=["GET", "POST"])
@limiter.limit(
    subscribe_rate,
    methods=["POST"],
    error_message=_l("Too many attempts from your network. Wait a few minutes and try again."),
)
def subscribe_code(token: str):
    """The code page. Tries are bounded per code, whichever network they come from
    (subscribers.signup.CODE_ATTEMPTS), and per client address by the limiter."""
    try:
        subscriber = subscriber_for_code_page(token)
    except ServiceError as error:
        return problem_page(gettext("This page has expired"), error.message, 404)
    speak_to(subscriber.language)
    errors: dict[str, str] = {}
    status = 400
    if request.method == "POST":
        code = "".join(request.form.get("code", "").split())
        if not code:
            errors["code"] = gettext("Enter the 6-digit code from the text message.")
        elif subscriber.state != "pending":
            # Already confirmed (or never sent a code): say what a wrong code says, so
            # that this page does not tell who is subscribed.
            errors["code"] = str(WRONG_CODE)
        else:
            try:
                confirm_by_code(subscriber, code)
            except TooManyAttempts as error:
                db.session.rollback()
                errors["code"], status = error.message, error.status
            except ServiceError as error:
                # A wrong code was counted: the count is all it changed, and it stays.
                db.session.commit()
                errors["code"] = error.message
            else:
                db.session.commit()
                log.info("sms subscriber %s confirmed by code", subscriber.id)
                return personal_page(
                    "public/subscribe_done.html",
                    subscriber=subscriber,
                    home=home_of(subscriber),
                    links=registry.links_for(subscriber),
                )
    return personal_page(
        "public/subscribe_code.html", status if errors else 200, token=token, errors=errors
    )


def _home_for(token: str) -> Home | None:
    """The page the link's subscription belongs to, if the link still names one."""
    try:
        return home_of(subscriber_to_confirm(token))
    except ServiceError:
        return None


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
def subscribe_confirm(token: str):
    if request.method == "POST":
        try:
            subscriber = confirm_by_link(token)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            return problem_page(str(NOT_CONFIRMED), error.message, 400, _home_for(token))
        speak_to(subscriber.language)
        log.info("email subscriber %s confirmed by link", subscriber.id)
        return personal_page(
            "public/subscribe_done.html",
            subscriber=subscriber,
            home=home_of(subscriber),
            links=registry.links_for(subscriber),
        )
    # A GET only shows the button: mail scanners fetch links, people press buttons.
    try:
        subscriber = subscriber_to_confirm(token)
    except ServiceError as error:
        return problem_page(str(NOT_CONFIRMED), error.message, 400)
    speak_to(subscriber.language)
    if subscriber.state == "active":
        return personal_page(
            "public/subscribe_done.html",
            subscriber=subscriber,
            home=home_of(subscriber),
            links=registry.links_for(subscriber),
            already=True,
        )
    if subscriber.state != "pending":
        return problem_page(
            str(NOT_CONFIRMED),
            gettext("This subscription was cancelled; subscribe again to restart it."),
            400,
            home_of(subscriber),
        )
    return personal_page(
        "public/subscribe_confirm.html",
        subscriber=subscriber,
        home=home_of(subscriber),
        token=token,
    )
