"""The building blocks of the management API's OpenAPI document (app/api/openapi.py):
the small schema and operation helpers every part (app/api/openapi_<part>.py) builds with,
and the core schemas. They live here, not in openapi.py, so that the parts never import
the module that merges them."""

from __future__ import annotations

from core.vocab import COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, VISIBILITIES

AUDIENCES = ["customers", "press", "support", "engineering", "executives"]
# What the composer drafts for: the audiences, every team that owns components (each
# told its own services' state under the text; not at resolution), and a private page's
# audience page:<slug>.
DRAFT_AUDIENCE = {
    "anyOf": [
        {"enum": [*AUDIENCES, "teams"]},
        {"type": "string", "pattern": "^page:[a-z0-9-]+$"},
    ],
    "description": "An audience key: teams is every team that owns components (not for "
    "a resolved update: Herald tells each team itself); page:<slug> a private page's readers",
}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with UTC offset"}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
STR = {"type": "string"}
NULL_STR = {"type": ["string", "null"]}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def ok(description: str, schema: dict, status: str = "200") -> dict:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def path_id(name: str, what: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": STR,
        "description": f"The {what} id",
    }


# Every operation may answer these; operation() adds them so no path lists them.
ERRORS = {
    "400": error("Bad JSON or a validation error (nothing changed)"),
    "401": error("No token, or an unknown, revoked or deactivated user's token"),
    "403": error("The token's role lacks the permission"),
    "404": error("No such object"),
    "409": error("The request clashes with the current state"),
}


def operation(summary: str, permission: str | None, responses: dict, **extra) -> dict:
    described = f"{summary}. Needs the `{permission}` permission." if permission else summary
    return {
        "summary": summary,
        "description": described,
        "responses": {**responses, **ERRORS},
        **extra,
    }


COMPONENT_STATUS_MAP = {
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": {"enum": list(COMPONENT_STATUSES)},
            "description": "{component id: status}",
        },
        array(obj({"id": STR, "status": {"enum": list(COMPONENT_STATUSES)}}, ["id", "status"])),
    ]
}

# A warning, not a refusal: the chosen impact is kept.
IMPACT_WARNING = {
    "oneOf": [
        {"type": "null"},
        obj(
            {
                "chosen_impact": {"enum": list(IMPACTS)},
                "suggested_impact": {"enum": list(IMPACTS)},
                "because": array(STR),
                "message": STR,
            },
            ["chosen_impact", "suggested_impact", "because", "message"],
        ),
    ],
    "description": "Set when the impact is below what the component statuses imply "
    "(escalation and the page's indicator use the suggested impact); null otherwise",
}

# A component's SLA fields: in its schema and in the body that sets them.
SLA_PERCENT = {
    "type": ["number", "null"],
    "exclusiveMinimum": 0,
    "maximum": 100,
    "description": "Monthly availability promised, in percent; null for none",
}
CREDIT_TIERS = array(
    obj(
        {
            "below": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            "credit": {"type": "number", "minimum": 0, "maximum": 100},
        },
        ["below", "credit"],
        additionalProperties=False,
    )
)

SCHEMAS = {
    "Error": obj(
        {
            "error": obj(
                {
                    "status": INT,
                    "code": {
                        "type": "string",
                        "examples": [
                            "invalid",
                            "not_found",
                            "bad_json",
                            "unauthorized",
                            "self_approval",
                        ],
                    },
                    "message": {"type": "string", "description": "For a person to read"},
                    "field": {"type": ["string", "null"], "description": "The field at fault"},
                },
                ["status", "code", "message", "field"],
            )
        },
        ["error"],
    ),
    "Component": obj(
        {
            "id": STR,
            "name": STR,
            "status": {
                "enum": list(COMPONENT_STATUSES),
                "description": "Effective status (dependencies included)",
            },
            "own_status": {"enum": list(COMPONENT_STATUSES)},
            "group_id": NULL_STR,
            "created_at": TIME,
            "updated_at": TIME,
            "position": INT,
            "description": NULL_STR,
            "page_id": STR,
            "visibility": {"enum": list(VISIBILITIES)},
            "tier": STR,
            "team": NULL_STR,
            "sla_percent": SLA_PERCENT,
            "credit_tiers": CREDIT_TIERS,
        },
    ),
    "IncidentUpdate": obj(
        {
            "id": STR,
            "status": {"enum": list(INCIDENT_STATUSES)},
            "body": {
                "type": "string",
                "description": "The public text; empty when the update has only an internal "
                "text (the public page and JSON do not show such an update)",
            },
            "internal_body": {
                "type": "string",
                "description": "The engineering text, or a quick message that is not public",
            },
            "incident_id": STR,
            "created_at": TIME,
            "updated_at": TIME,
            "display_at": TIME,
            "affected_components": {"type": ["array", "null"]},
            "deliver_notifications": BOOL,
        },
    ),
    "FactSheetSummary": obj(
        {
            "id": STR,
            "status": STR,
            "impact": STR,
            "created_at": TIME,
            "published_at": NULL_TIME,
            "drafts": array(obj({"id": STR, "audience": STR, "state": STR})),
        },
    ),
    "Incident": obj(
        {
            "id": STR,
            "name": STR,
            "status": {"enum": list(INCIDENT_STATUSES)},
            "impact": {"enum": list(IMPACTS)},
            "created_at": TIME,
            "updated_at": TIME,
            "started_at": TIME,
            "monitoring_at": NULL_TIME,
            "resolved_at": NULL_TIME,
            "shortlink": STR,
            "page_id": STR,
            "incident_updates": array(ref("IncidentUpdate")),
            "components": array(ref("Component")),
            "visibility": {"enum": list(VISIBILITIES)},
            "announced_at": NULL_TIME,
            "next_update_at": NULL_TIME,
            "next_update_due_at": NULL_TIME,
            "impact_warning": IMPACT_WARNING,
            "comms_lead": NULL_STR,
            "created_by": NULL_STR,
            "open_fact_sheets": array(ref("FactSheetSummary")),
        },
    ),
    "Facts": obj(
        {
            "summary": STR,
            "customer_impact": STR,
            "workaround": STR,
            "eta": NULL_TIME,
            "next_update_at": NULL_TIME,
            "technical_detail": STR,
        },
        ["summary"],
        additionalProperties=False,
    ),
    "Finding": obj(
        {
            "severity": {"enum": ["error", "warning"]},
            "code": STR,
            "message": STR,
            "field": STR,
            "start": INT,
            "end": INT,
            "key": {"type": "string", "description": "code:field:start, for an override"},
            "overridden": BOOL,
        },
    ),
    "Waiting": obj(
        {
            "draft_id": {**NULL_STR, "description": "null: the whole set (publishing it)"},
            "audience": NULL_STR,
            "who": {"enum": ["author", "approver", "publisher"]},
            "what": STR,
            "people": {**array(STR), "description": "Who must act, by name"},
        }
    ),
    "Draft": obj(
        {
            "id": STR,
            "audience": DRAFT_AUDIENCE,
            "fact_sheet_id": STR,
            "incident_id": STR,
            "status": STR,
            "page_text": STR,
            "email_subject": STR,
            "email_body": STR,
            "sms_text": STR,
            "sms_segments": INT,
            "findings": array(ref("Finding")),
            "blocking": {"type": "integer", "description": "Findings that stop publishing"},
            "needs_approval": BOOL,
            "state": {"enum": ["pending", "approved", "rejected", "published", "discarded"]},
            "revision": {
                "type": "string",
                "description": "A fingerprint of the audience and the four texts; changes "
                "with every edit. Send it with approve to approve exactly what you read.",
            },
            "notify": BOOL,
            "overrides": {"type": "object"},
            "author": NULL_STR,
            "approved_by": NULL_STR,
            "approved_at": NULL_TIME,
            "rejected_by": NULL_STR,
            "rejected_at": NULL_TIME,
            "review_comment": STR,
            "broadcast_id": NULL_STR,
            "team_broadcasts": {
                **array(obj({"team": STR, "broadcast_id": STR}, ["team", "broadcast_id"])),
                "description": "The teams' draft, published: one broadcast per team (its "
                "broadcast_id is null); empty for other audiences",
            },
            "created_at": TIME,
            "updated_at": TIME,
            "published_at": NULL_TIME,
            "waiting": array(ref("Waiting")),
        },
    ),
    "DraftSet": obj(
        {
            "fact_sheet_id": STR,
            "incident_id": STR,
            "status": STR,
            "impact": STR,
            "impact_warning": IMPACT_WARNING,
            "drafts": array(ref("Draft")),
            "waiting": array(ref("Waiting")),
        },
    ),
    "Broadcast": obj(
        {
            "id": STR,
            "audience": STR,
            "recipients": INT,
            "state": STR,
            "draft_id": STR,
            "team": {
                **STR,
                "description": "For the teams' draft: the team this broadcast went to "
                "(one per team that owns components)",
            },
        }
    ),
    "Published": obj(
        {
            "incident_id": STR,
            "fact_sheet_id": STR,
            "update": ref("IncidentUpdate"),
            "broadcasts": array(ref("Broadcast")),
            "drafts": array(
                obj(
                    {
                        "id": STR,
                        "audience": STR,
                        "state": STR,
                        "notified": BOOL,
                        "reach": {
                            "type": "object",
                            "additionalProperties": INT,
                            "description": "Messages per channel (email, sms, webhook): "
                            "one per address, counted when publishing; empty when the "
                            "audience is not notified",
                        },
                        "people": {
                            **INT,
                            "description": "People the message reaches (a person with an "
                            "email address and a phone number is one person, two messages); "
                            "0 when the audience is not notified",
                        },
                    }
                )
            ),
            "reach": {**INT, "description": "Messages in all (addresses reached)"},
            "people": {**INT, "description": "People reached in all, per audience summed"},
        },
    ),
    "BroadcastProgress": obj(
        {
            "id": STR,
            "audience": STR,
            "kind": STR,
            "subject": STR,
            "state": {"enum": ["pending", "expanding", "sending", "done"]},
            "recipients": INT,
            "sent": INT,
            "failed": INT,
            "retrying": INT,
            "remaining": INT,
            "by_state": {"type": "object", "additionalProperties": INT},
            "created_at": TIME,
            "expanded_at": NULL_TIME,
            "first_sent_at": NULL_TIME,
            "finished_at": NULL_TIME,
        },
    ),
    "CommunicationLog": obj(
        {
            "incident_id": STR,
            "name": STR,
            "status": STR,
            "declared_at": TIME,
            "first_public_update_at": NULL_TIME,
            "time_to_first_public_update": {
                "type": ["number", "null"],
                "description": "Seconds from declaration",
            },
            "entries": array(
                obj(
                    {
                        "at": TIME,
                        "kind": STR,
                        "audience": STR,
                        "summary": STR,
                        "broadcast_id": NULL_STR,
                        "recipients": INT,
                        "sent": INT,
                        "delivered": INT,
                        "failed": INT,
                        "by_channel": {"type": "object"},
                        "drafted_by": NULL_STR,
                        "approved_by": NULL_STR,
                        "published_by": NULL_STR,
                    }
                )
            ),
        },
    ),
}
