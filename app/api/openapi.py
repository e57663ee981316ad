"""The OpenAPI 3.1 document of the management API, written by hand as Python data and
served at /api/v1/openapi.json (the one address that needs no token).

The core routes (components, incidents, drafts, broadcasts) are described here; every
other group of routes is a part, app/api/openapi_<part>.py, with module-level PATHS and
SCHEMAS dicts built from the helpers of app/api/openapi_schemas.py. The parts never import
this module: it merges them all in one place (PARTS), before DOCUMENT is built."""

from __future__ import annotations

from flask import jsonify

from app.api import (
    bp,
    openapi_integrations,
    openapi_listening,
    openapi_pages,
    openapi_postmortems,
    openapi_reports,
    openapi_schemas,
    openapi_subscribers,
    openapi_suggestions,
    openapi_vendor_sources,
)
from app.api.openapi_schemas import (
    BOOL,
    COMPONENT_STATUS_MAP,
    CREDIT_TIERS,
    DRAFT_AUDIENCE,
    SLA_PERCENT,
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
from core.vocab import COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, VISIBILITIES

PARTS = (
    openapi_suggestions,
    openapi_reports,
    openapi_integrations,
    openapi_vendor_sources,
    openapi_listening,
    openapi_pages,
    openapi_subscribers,
    openapi_postmortems,
)

DECLARE = obj(
    {
        "name": STR,
        "impact": {"enum": list(IMPACTS)},
        "components": COMPONENT_STATUS_MAP,
        "visibility": {"enum": list(VISIBILITIES), "default": "public"},
        "status": {
            "enum": ["investigating", "identified", "monitoring"],
            "default": "investigating",
        },
        "started_at": TIME,
        "deliver_notifications": {"type": "boolean", "default": True},
        "body": {
            "type": "string",
            "description": "A quick first update, written outside the workflow. It is the "
            "public text (shown on the public page, sent to customer subscribers) only on a "
            "public incident whose customers audience needs no approval; otherwise it is "
            "stored as the update's internal text (internal page only, nobody outside "
            "notified). Leave it out to draft the first update with the workflow "
            "(POST /incidents/{incident_id}/drafts). Either way the incident's status and "
            "components apply at once, and a public incident is listed on the public page "
            "at once.",
        },
    },
    ["name", "impact"],
    additionalProperties=False,
)
DECLARED = {
    "allOf": [
        ref("Incident"),
        obj(
            {
                "body_visibility": {
                    "enum": ["public", "internal", None],
                    "description": "public: the body is the public text; internal: it is "
                    "the update's internal text only (customers need approval, or the "
                    "incident is internal); null: no body was given",
                },
                "body_note": {
                    "type": ["string", "null"],
                    "description": "Why, in words, and what to do next",
                },
            },
            ["body_visibility", "body_note"],
        ),
    ]
}
COMPOSE = obj(
    {
        "status": {"enum": list(INCIDENT_STATUSES)},
        "impact": {"enum": list(IMPACTS)},
        "components": COMPONENT_STATUS_MAP,
        "facts": ref("Facts"),
        "audiences": array(DRAFT_AUDIENCE),
    },
    ["status", "facts", "audiences"],
    additionalProperties=False,
)
EDIT = obj(
    {"page_text": STR, "email_subject": STR, "email_body": STR, "sms_text": STR, "notify": BOOL},
    additionalProperties=False,
    minProperties=1,
)
PUBLISH = obj(
    {
        "fact_sheet_id": {"type": "string", "description": "Default: the newest unpublished set"},
        "audiences": {**array(STR), "description": "Default: every draft of the set"},
        "notify": {
            "type": "object",
            "additionalProperties": BOOL,
            "description": "Per-audience switch: send to subscribers or only publish",
        },
    },
    additionalProperties=False,
)
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": STR,
    "description": "The same key publishes once: a repeat answers 200 with the same update "
    "and broadcasts (counts and states as they are now).",
}
FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"enum": ["json", "csv", "markdown"], "default": "json"},
}

PATHS = {
    "/components/{component_id}": {
        "parameters": [path_id("component_id", "component")],
        "patch": operation(
            "Set a component's status, and or its SLA and service credit tiers (these need "
            "the `manage_components` permission; each tier's below is at most the SLA)",
            "set_status",
            ok("The component", ref("Component")),
            requestBody=body(
                obj(
                    {
                        "status": {"enum": list(COMPONENT_STATUSES)},
                        "sla_percent": SLA_PERCENT,
                        "credit_tiers": CREDIT_TIERS,
                    },
                    minProperties=1,
                    additionalProperties=False,
                )
            ),
        ),
    },
    "/incidents": {
        "post": operation(
            "Declare an incident",
            "manage_incidents",
            ok("The incident, and where its body went", DECLARED, "201"),
            requestBody=body(DECLARE),
        ),
    },
    "/incidents/{incident_id}": {
        "parameters": [path_id("incident_id", "incident")],
        "get": operation("An incident", "view_admin", ok("The incident", ref("Incident"))),
    },
    "/incidents/{incident_id}/drafts": {
        "parameters": [path_id("incident_id", "incident")],
        "post": operation(
            "Draft an update: one fact sheet in, a checked draft per audience out",
            "compose_updates",
            ok("The drafts", ref("DraftSet"), "201"),
            requestBody=body(COMPOSE),
        ),
    },
    "/incidents/{incident_id}/publish": {
        "parameters": [path_id("incident_id", "incident")],
        "post": operation(
            "Publish a set of drafts (idempotent)",
            "publish_updates",
            {
                **ok("Published", ref("Published"), "201"),
                **ok("Already published with this key or set: the first result", ref("Published")),
            },
            parameters=[IDEMPOTENCY],
            requestBody=body(PUBLISH, required=False),
        ),
    },
    "/incidents/{incident_id}/communications": {
        "parameters": [path_id("incident_id", "incident")],
        "get": operation(
            "The communication log",
            "view_admin",
            {
                "200": {
                    "description": "The log",
                    "content": {
                        "application/json": {"schema": ref("CommunicationLog")},
                        "text/csv": {"schema": STR},
                        "text/markdown": {"schema": STR},
                    },
                }
            },
            parameters=[FORMAT],
        ),
    },
    "/drafts/{draft_id}": {
        "parameters": [path_id("draft_id", "draft")],
        "get": operation("A draft", "view_admin", ok("The draft", ref("Draft"))),
        "patch": operation(
            "Edit a draft's texts or notify switch (voids an approval; checks run again)",
            "compose_updates",
            ok("The draft with fresh findings", ref("Draft")),
            requestBody=body(EDIT),
        ),
    },
    "/drafts/{draft_id}/approve": {
        "parameters": [path_id("draft_id", "draft")],
        "post": operation(
            "Approve a draft. Its author or last editor cannot: 403 self_approval. A draft "
            "with errors: 409 draft_has_errors. Send the draft's revision as you read it: a "
            "draft edited since is refused with 409 draft_changed",
            "approve_drafts",
            ok("The draft", ref("Draft")),
            requestBody=body(
                obj(
                    {
                        "comment": STR,
                        "revision": {
                            "type": "string",
                            "description": "The draft's revision when you read it (from "
                            "GET /drafts/{draft_id}); optional, but without it an edit made "
                            "meanwhile is approved unseen",
                        },
                    },
                    additionalProperties=False,
                ),
                False,
            ),
        ),
    },
    "/drafts/{draft_id}/reject": {
        "parameters": [path_id("draft_id", "draft")],
        "post": operation(
            "Reject a draft with a comment",
            "approve_drafts",
            ok("The draft", ref("Draft")),
            requestBody=body(obj({"comment": STR}, ["comment"], additionalProperties=False)),
        ),
    },
    "/drafts/{draft_id}/override": {
        "parameters": [path_id("draft_id", "draft")],
        "post": operation(
            "Publish despite a warning, for a recorded reason",
            "compose_updates",
            ok("The draft", ref("Draft")),
            requestBody=body(
                obj(
                    {
                        "finding": {"type": "string", "description": "The finding's key"},
                        "reason": STR,
                    },
                    ["finding", "reason"],
                    additionalProperties=False,
                )
            ),
        ),
    },
    "/broadcasts/{broadcast_id}": {
        "parameters": [path_id("broadcast_id", "broadcast")],
        "get": operation(
            "A broadcast's delivery progress",
            "view_admin",
            ok("Progress", ref("BroadcastProgress")),
        ),
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {}}},
                }
            },
        },
    },
}

SCHEMAS = dict(openapi_schemas.SCHEMAS)  # a copy: the parts are merged into this one
for part in PARTS:
    clash = (PATHS.keys() & part.PATHS) | (SCHEMAS.keys() & part.SCHEMAS)
    if clash:  # a part must add, never silently replace
        raise RuntimeError(f"{part.__name__} describes {sorted(clash)} again")
    PATHS.update(part.PATHS)
    SCHEMAS.update(part.SCHEMAS)

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Herald management API",
        "version": "1.0.0",
        "description": (
            "Declare incidents, set component statuses, draft an update for each audience "
            "from one fact sheet, approve and publish it, and follow its delivery. Ids are "
            "the ones the public JSON (/api/v2) shows. Authenticate with a token made by "
            "`herald create-token EMAIL`: `Authorization: Bearer <token>`. Roles follow the "
            "admin's rules. Errors are JSON: "
            '{"error": {"status", "code", "message", "field"}}. Times are ISO 8601 and '
            "must carry a UTC offset."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "hrld_<prefix>_<secret>"}
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)
