"""The integrations' part of the OpenAPI document (app/api/openapi.py): the integration
and alert routes of app/api/integrations.py, their paths and schemas, and the answer an
integration's webhook gives its sender (the webhooks are outside /api/v1, so they are
described by that schema, not as paths)."""

from __future__ import annotations

from app.api.openapi_schemas import (
    NULL_STR,
    NULL_TIME,
    STR,
    array,
    body,
    obj,
    ok,
    operation,
    path_id,
    ref,
)
from core.vocab import COMPONENT_STATUSES

SECONDS = {"type": "integer", "minimum": 0, "maximum": 86400}
SEVERITY_MAP = {
    "type": "object",
    "additionalProperties": {"enum": list(COMPONENT_STATUSES)},
    "description": "Severity label value → component status; operational means no change",
}
MATCHERS = {
    "type": "object",
    "additionalProperties": STR,
    "minProperties": 1,
    "description": "Label → value; every one must match",
}

SCHEMAS = {
    "Integration": obj(
        {
            "id": STR,
            "kind": {"enum": ["alertmanager", "monitor"]},
            "name": STR,
            "url": {
                **STR,
                "description": "The webhook its sender posts to (POST /webhooks/alertmanager "
                "with the bearer token, or /webhooks/monitor signed); a delivery is answered "
                "200 with #/components/schemas/AlertDeliveryAnswer, a bad body 400 with "
                '{"error", "field"} and nothing changed',
            },
            "severity_map": SEVERITY_MAP,
            "min_firing_seconds": SECONDS,
            "min_clear_seconds": SECONDS,
            "created_at": NULL_TIME,
            "last_used_at": NULL_TIME,
            "revoked_at": NULL_TIME,
        },
        ["id", "kind", "name", "url", "severity_map"],
    ),
    "AlertRule": obj(
        {
            "id": {"type": "integer"},
            "matchers": MATCHERS,
            "component": STR,
            "position": {"type": "integer"},
        },
        ["id", "matchers", "component", "position"],
    ),
    "Alert": obj(
        {
            "integration": STR,
            "fingerprint": STR,
            "name": STR,
            "summary": STR,
            "labels": {"type": "object", "additionalProperties": STR},
            "component": {"type": ["string", "null"], "description": "null: unmatched"},
            "status": {"enum": list(COMPONENT_STATUSES)},
            "firing": {"type": "boolean"},
            "counts": {
                "type": "boolean",
                "description": "Fired (or stays resolved) long enough to claim its component",
            },
            "starts_at": NULL_TIME,
            "ends_at": NULL_TIME,
            "last_seen_at": NULL_TIME,
            "generator_url": STR,
        },
        ["fingerprint", "name", "component", "status", "firing", "counts"],
    ),
    "AlertDeliveryAnswer": obj(
        {
            "accepted": {"type": "integer", "description": "How many alerts the delivery carried"},
            "unmatched": {
                **array(ref("UnmatchedAlert")),
                "description": "Present only when some alert matched no component: each such "
                "alert (still taken and kept, shown as unmatched on the integration's page; a "
                "critical one still suggests an incident that says so)",
            },
        },
        ["accepted"],
    ),
    "UnmatchedAlert": obj(
        {
            "fingerprint": {
                **STR,
                "description": "The alert's fingerprint (the monitor webhook's id)",
            },
            "herald_component": {
                **NULL_STR,
                "description": "The herald_component label (the monitor webhook's component) "
                "that named no component; null when it gave none and no rule matched",
            },
            "hint": {
                **STR,
                "description": "Why, in words: e.g. 'no component with that id or name; "
                "closest: Card payments'",
            },
        },
        ["fingerprint", "herald_component", "hint"],
    ),
}

RULES = obj({"rules": array(ref("AlertRule"))}, ["rules"])
PATHS = {
    "/integrations": {
        "get": operation(
            "Monitoring integrations",
            "manage_integrations",
            ok("The integrations", obj({"integrations": array(ref("Integration"))})),
        ),
        "post": operation(
            "Make a monitoring integration; its credential (bearer token or signing "
            "secret) is in this answer only",
            "manage_integrations",
            ok(
                "The integration and its credential",
                {
                    "allOf": [
                        ref("Integration"),
                        obj({"credential": STR, "alertmanager_config": STR}, ["credential"]),
                    ]
                },
                "201",
            ),
            requestBody=body(
                obj(
                    {
                        "kind": {"enum": ["alertmanager", "monitor"]},
                        "name": STR,
                        "severity_map": SEVERITY_MAP,
                        "min_firing_seconds": {**SECONDS, "default": 60},
                        "min_clear_seconds": {**SECONDS, "default": 60},
                    },
                    ["kind", "name"],
                    additionalProperties=False,
                )
            ),
        ),
    },
    "/integrations/{integration_id}": {
        "parameters": [path_id("integration_id", "integration")],
        "delete": operation(
            "Revoke an integration (its alerts stop claiming components)",
            "manage_integrations",
            ok("The revoked integration", ref("Integration")),
        ),
    },
    "/integrations/{integration_id}/rules": {
        "parameters": [path_id("integration_id", "integration")],
        "get": operation("An integration's label rules", "manage_integrations", ok("Rules", RULES)),
        "post": operation(
            "Add a rule: alerts whose labels match go to the component (a herald_component "
            "label wins; rules are tried in position order)",
            "manage_integrations",
            ok("The rule", ref("AlertRule"), "201"),
            requestBody=body(
                obj(
                    {"matchers": MATCHERS, "component": STR, "position": {"type": "integer"}},
                    ["matchers", "component"],
                    additionalProperties=False,
                )
            ),
        ),
        "delete": operation(
            "Delete a rule",
            "manage_integrations",
            ok("The rules left", RULES),
            parameters=[
                {"name": "rule", "in": "query", "required": True, "schema": {"type": "integer"}}
            ],
        ),
    },
    "/alerts": {
        "get": operation(
            "Recent alerts (firing or resolved, counting or not, component or unmatched)",
            "view_admin",
            ok("The alerts", obj({"alerts": array(ref("Alert"))})),
        ),
    },
}
