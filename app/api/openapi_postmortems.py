"""The postmortems' part of the OpenAPI document (app/api/openapi.py): an incident's
postmortem, read and written."""

from __future__ import annotations

from app.api.openapi_schemas import (
    BOOL,
    INT,
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
from core.vocab import IMPACTS

STATES = ["none", "draft", "waiting_for_approval", "published"]

SCHEMAS = {
    "Postmortem": obj(
        {
            "incident_id": STR,
            "incident_name": STR,
            "state": {
                "enum": STATES,
                "description": "waiting_for_approval: sent to an approver (the published "
                "text, if any, stays public until the new one is approved)",
            },
            "body": {
                "type": ["string", "null"],
                "description": "The text (Markdown) the incident's page shows: null until the "
                "postmortem is published; a newer text waiting for approval is pending_body",
            },
            "sections": array(
                obj(
                    {
                        "heading": {
                            "type": "string",
                            "description": "As the author wrote it (contributing factors, "
                            "what we are changing …); empty before the first heading",
                        },
                        "level": {**INT, "description": "1 to 6; 0 before the first heading"},
                        "text": {"type": "string", "description": "Markdown"},
                    },
                    ["heading", "level", "text"],
                )
            ),
            "published_at": NULL_TIME,
            "public": {**BOOL, "description": "Published on the public incident page"},
            "pending_body": {
                "type": ["string", "null"],
                "description": "The text not yet public (a draft, or the text waiting for "
                "approval); null when there is none",
            },
            "submitted_at": NULL_TIME,
            "author": NULL_STR,
            "approved_by": NULL_STR,
            "impact": {"enum": list(IMPACTS)},
            "started_at": STR,
            "resolved_at": NULL_TIME,
            "components": array(obj({"id": STR, "name": STR}, ["id", "name"])),
            "timeline": {
                **array(ref("IncidentUpdate")),
                "description": "The incident's updates, oldest first",
            },
            "findings": {
                **array(
                    obj(
                        {
                            "severity": {"enum": ["error", "warning"]},
                            "code": {
                                "enum": [
                                    "blame",
                                    "speculation",
                                    "jargon",
                                    "placeholder",
                                    "double_punctuation",
                                ]
                            },
                            "message": STR,
                            "start": INT,
                            "end": INT,
                        },
                        ["severity", "code", "message", "start", "end"],
                    )
                ),
                "description": "What the draft checks find in the text waiting for approval "
                "(else the body): the same checks as the updates get",
            },
        },
        ["incident_id", "state", "body", "sections", "published_at", "timeline", "findings"],
    ),
}

ITEM = [path_id("incident_id", "incident")]
PATHS = {
    "/incidents/{incident_id}/postmortem": {
        "parameters": ITEM,
        "get": operation(
            "An incident's postmortem as its page shows it, its review and what the checks find",
            "view_admin",
            ok("The postmortem", ref("Postmortem")),
        ),
        "put": operation(
            "Write the postmortem of a resolved incident; with publish, make it public (or "
            "send it for approval while customers' texts need one). An unresolved incident, "
            "publishing an empty text, or publishing at once a text whose checks find errors "
            "(field findings): 400 and nothing changes",
            "manage_incidents",
            ok("The postmortem", ref("Postmortem")),
            requestBody=body(
                obj(
                    {
                        "body": {"type": "string", "description": "Markdown"},
                        "publish": {**BOOL, "default": False},
                    },
                    ["body"],
                    additionalProperties=False,
                )
            ),
        ),
    },
    "/incidents/{incident_id}/postmortem/approve": {
        "parameters": ITEM,
        "post": operation(
            "Approve the postmortem waiting for approval: it goes public. Its author cannot: "
            "403 self_approval. A postmortem whose checks find errors (blame, a placeholder "
            "left in): 409 postmortem_has_errors until its text is fixed; nothing waiting: 400",
            "approve_drafts",
            ok("The postmortem", ref("Postmortem")),
            requestBody=body(obj({}, additionalProperties=False), False),
        ),
    },
}
