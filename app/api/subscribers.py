"""Management API: adding a subscriber (active at once, as staff do in the admin), with
the language of every message it gets. Described in app/api/openapi_subscribers.py."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from app.api import bp
from app.api.auth import allow, api_user
from app.api.inputs import boolean, invalid, json_body, strings, text
from app.models import Component
from core.db import db
from core.vocab import LANGUAGES
from subscribers import staff
from subscribers.models import Subscriber

SUBSCRIBE_FIELDS = (
    "channel",
    "address",
    "audience",
    "components",
    "key_account",
    "name",
    "language",
)


def subscriber_shape(subscriber: Subscriber) -> dict:
    return {
        "id": subscriber.id,
        "channel": subscriber.channel,
        "address": subscriber.address,
        "audience": subscriber.audience.key,
        "state": subscriber.state,
        "language": subscriber.language,
        "key_account": subscriber.key_account,
        "name": subscriber.name,
        "all_components": subscriber.all_components,
    }


def _component_id(public_id: str) -> int:
    found = db.session.scalar(select(Component.id).where(Component.public_id == public_id))
    if found is None:
        raise invalid(f"No component with id {public_id!r}.", "components")
    return found


@bp.post("/subscribers")
@allow("manage_subscribers")
def add_subscriber():
    """Every field is checked before the service is called: a bad one answers 400 and
    nothing is stored (nor any notice queued)."""
    data = json_body(SUBSCRIBE_FIELDS, required=("channel", "address"))
    language = text(data, "language")
    if language is not None and language not in LANGUAGES:
        raise invalid(f"'language' must be one of {', '.join(LANGUAGES)}.", "language")
    component_ids = [_component_id(public_id) for public_id in strings(data, "components") or []]
    subscriber, created = staff.add_subscriber(
        api_user(),
        text(data, "channel"),
        text(data, "address"),
        text(data, "audience", "customers"),
        component_ids=component_ids,
        key_account=bool(boolean(data, "key_account", False)),
        name=(text(data, "name", "") or "").strip(),
        language=language,
    )
    db.session.commit()
    response = jsonify(subscriber_shape(subscriber))
    response.status_code = 201 if created else 200
    return response
