"""The suggested incidents' part of the OpenAPI document (app/api/openapi.py): their
paths and schemas."""

from __future__ import annotations

from app.api.openapi_schemas import (
    NULL_STR,
    NULL_TIME,
    STR,
    TIME,
    array,
    body,
    obj,
    ok,
    operation,
    path_id,
    ref,
)
from core.vocab import COMPONENT_STATUSES, IMPACTS

STATES = ["open", "declared", "dismissed"]

SCHEMAS = {
    "SuggestedIncident": obj(
        {
            "id": STR,
            "origin": {"enum": ["vendor", "alert", "listening"]},
            "name": STR,
            "impact": {"enum": list(IMPACTS)},
            "state": {"enum": STATES},
            "components": array(
                obj(
                    {"id": STR, "name": STR, "status": {"enum": list(COMPONENT_STATUSES)}},
                    ["id", "name", "status"],
                )
            ),
            "facts": {"type": "string", "description": "What the signal said, as plain text"},
            "link": {"type": "string", "description": "The vendor's incident or the alert"},
            "created_at": TIME,
            "decided_at": NULL_TIME,
            "decided_by": NULL_STR,
            "dismissed_reason": {
                "type": ["string", "null"],
                "description": "Why staff dismissed it (empty when they gave no reason)",
            },
            "incident_id": {
                "type": ["string", "null"],
                "description": "The incident it was declared as",
            },
        },
        ["id", "origin", "name", "impact", "state", "components", "facts", "created_at"],
    ),
    "SuggestionDeclared": obj(
        {
            "suggested_incident": ref("SuggestedIncident"),
            "incident": ref("Incident"),
            "note": STR,
        },
        ["suggested_incident", "incident", "note"],
    ),
}

ITEM = [path_id("suggestion_id", "suggested incident")]
PATHS = {
    "/suggested-incidents": {
        "get": operation(
            "The incidents signals suggest (open ones unless ?state= says otherwise)",
            "view_admin",
            ok(
                "The suggestions, newest first",
                obj({"suggested_incidents": array(ref("SuggestedIncident"))}),
            ),
            parameters=[
                {
                    "name": "state",
                    "in": "query",
                    "required": False,
                    "schema": {"enum": [*STATES, "all"], "default": "open"},
                }
            ],
        ),
    },
    "/suggested-incidents/{suggestion_id}/declare": {
        "parameters": ITEM,
        "post": operation(
            "Declare a suggested incident: its name, impact and components, no first "
            "message (nothing is published); its facts are drafted for every audience. "
            "Declaring again answers 200 with the same incident; a dismissed one 409",
            "manage_incidents",
            {
                **ok("Declared", ref("SuggestionDeclared"), "201"),
                **ok("Declared already: the same incident", ref("SuggestionDeclared")),
            },
            requestBody=body(obj({}, additionalProperties=False), False),
        ),
    },
    "/suggested-incidents/{suggestion_id}/dismiss": {
        "parameters": ITEM,
        "post": operation(
            "Dismiss a suggested incident, saying why (a declared one: 409)",
            "manage_incidents",
            ok("The suggestion", ref("SuggestedIncident")),
            requestBody=body(
                obj({"reason": {"type": "string", "maxLength": 500}}, additionalProperties=False),
                False,
            ),
        ),
    },
}
