"""The subscribers' part of the OpenAPI document (app/api/openapi.py): adding a
subscriber through app/api/subscribers.py."""

from __future__ import annotations

from app.api.openapi_schemas import (
    AUDIENCES,
    BOOL,
    INT,
    STR,
    array,
    body,
    obj,
    ok,
    operation,
    ref,
)
from core.vocab import LANGUAGES

LANGUAGE = {
    "enum": list(LANGUAGES),
    "description": "The language of every message the subscriber gets (default en)",
}

SCHEMAS = {
    "Subscriber": obj(
        {
            "id": INT,
            "channel": {"enum": ["email", "sms", "webhook", "slack", "chat_webhook"]},
            "address": STR,
            "audience": STR,
            "state": {"enum": ["pending", "active", "unsubscribed", "quarantined"]},
            "language": LANGUAGE,
            "key_account": BOOL,
            "name": STR,
            "all_components": BOOL,
        },
        ["id", "channel", "address", "audience", "state", "language"],
    ),
}

PATHS = {
    "/subscribers": {
        "post": operation(
            "Add a subscriber, active at once, with a notice in its language that says so "
            "(an address already subscribed to the audience is updated: 200)",
            "manage_subscribers",
            {
                **ok("The subscriber added", ref("Subscriber"), "201"),
                **ok("The subscriber, updated", ref("Subscriber")),
            },
            requestBody=body(
                obj(
                    {
                        "channel": {"enum": ["email", "sms", "webhook", "slack", "chat_webhook"]},
                        "address": STR,
                        "audience": {
                            "type": "string",
                            "default": "customers",
                            "examples": AUDIENCES,
                        },
                        "components": {
                            **array(STR),
                            "description": "Component ids; none or absent: every component",
                        },
                        "key_account": {**BOOL, "default": False},
                        "name": STR,
                        "language": LANGUAGE,
                    },
                    ["channel", "address"],
                    additionalProperties=False,
                )
            ),
        ),
    },
}
