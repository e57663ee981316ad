"""The links every message carries: the manage page (what the subscriber hears about)
and the unsubscribe page. Both name the subscriber by the token in the URL (see
subscribers/links.py); the forms post back to the URL they were opened with. A private
page's subscriber sees them as that page's (its name, its components).

The unsubscribe POST is exempt from CSRF: mail providers POST it with no cookies (RFC
8058 one-click) and the token in the URL is what authenticates it.
"""

from __future__ import annotations

import logging

from flask import Response, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.extensions import csrf
from app.i18n import speak_to
from app.public import bp
from app.public.caching import personal_page
from app.public.subscription_forms import (
    CHANNEL_LABELS,
    Choices,
    Selection,
    home_of,
    problem_page,
    read_language,
    read_selection,
    resubscribe_selection,
)
from core.db import db
from core.errors import NotFound, ServiceError
from core.vocab import LANGUAGES
from subscribers import registry
from subscribers.models import Subscriber

log = logging.getLogger(__name__)

STATE_LABELS = {
    "pending": _l("Waiting for confirmation"),
    "active": _l("Active"),
    "unsubscribed": _l("Unsubscribed"),
    "quarantined": _l("Paused: our messages could not be delivered"),
}


def _subscriber_or_404(token: str) -> Subscriber | Response:
    """The subscriber the link names; the page then speaks their language."""
    try:
        subscriber = registry.by_token(token)
    except NotFound as error:
        return problem_page(gettext("Subscription not found"), error.message, 404)
    speak_to(subscriber.language)
    return subscriber


@bp.route("/subscriptions/<token>", methods=["GET", "POST"])
def subscription(token: str):
    found = _subscriber_or_404(token)
    if isinstance(found, Response):
        return found
    subscriber = found
    home = home_of(subscriber)
    choices = home.choices()
    errors: dict[str, str] = {}
    selection = Selection.of(subscriber)
    language = subscriber.language
    if request.method == "POST":
        selection = read_selection(choices, errors)
        if "language" in request.form:
            language = read_language(errors)
        if not errors:
            try:
                _save_selection(subscriber, selection, choices)
                registry.set_language(subscriber, language)
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
        token=token,
        subscriber=subscriber,
        home=home,
        state_label=STATE_LABELS[subscriber.state],
        channel_label=CHANNEL_LABELS[subscriber.channel],
        choices=choices,
        selection=selection,
        language=language if language in LANGUAGES else subscriber.language,
        errors=errors,
        saved=request.method == "GET" and request.args.get("saved") == "1",
        resubscribe=resubscribe_selection(subscriber),
    )


def _save_selection(subscriber: Subscriber, selection: Selection, choices: Choices) -> None:
    """Replace the part of the selection this page offers; choices it does not show (set
    by staff, or no longer offered) are kept."""
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
            home=home_of(subscriber),
            channel_label=CHANNEL_LABELS[subscriber.channel],
            resubscribe=resubscribe_selection(subscriber),
        )
    # A GET never unsubscribes: it asks.
    return personal_page(
        "public/unsubscribe.html",
        token=token,
        subscriber=subscriber,
        home=home_of(subscriber),
        channel_label=CHANNEL_LABELS[subscriber.channel],
        resubscribe=resubscribe_selection(subscriber),
    )
