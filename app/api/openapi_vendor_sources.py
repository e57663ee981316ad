"""The vendor sources' part of the OpenAPI document (app/api/openapi.py): the routes of
app/api/vendor_sources.py, their paths and schemas."""

from __future__ import annotations

from app.api.openapi_schemas import (
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
from app.models.signals import MIN_POLL_SECONDS, POLL_STATES, VENDOR_KINDS
from core.vocab import COMPONENT_STATUSES

POLL_SECONDS = {"type": "integer", "minimum": MIN_POLL_SECONDS, "maximum": 86400}
MAPPING = {
    "type": "object",
    "maxProperties": 100,
    "additionalProperties": {"type": ["string", "integer"]},
    "description": 'Vendor component name → Herald component (id, or name); a feed maps "*" '
    "(the whole vendor)",
}

SCHEMAS = {
    "VendorSource": obj(
        {
            "id": STR,
            "name": STR,
            "url": STR,
            "kind": {"enum": list(VENDOR_KINDS)},
            "poll_seconds": POLL_SECONDS,
            "enabled": {"type": "boolean"},
            "demo": {"type": "boolean", "description": "Served by the demo itself"},
            "state": {
                "enum": list(POLL_STATES),
                "description": "stale: failing for 3 polls or 3 intervals; claims nothing new",
            },
            "last_polled_at": NULL_TIME,
            "last_success_at": NULL_TIME,
            "next_poll_at": NULL_TIME,
            "last_error": STR,
            "failures": {"type": "integer"},
            "components": {
                "type": "object",
                "additionalProperties": obj({"id": STR, "name": STR}, ["id", "name"]),
                "description": "Vendor component name → the Herald component it stands for",
            },
            "vendor": obj(
                {
                    "page": obj({"name": STR, "url": STR, "updated_at": STR}),
                    "components": array(
                        obj(
                            {"name": STR, "status": {"enum": list(COMPONENT_STATUSES)}},
                            ["name", "status"],
                        )
                    ),
                    "incidents": array(
                        obj(
                            {
                                "name": STR,
                                "status": STR,
                                "impact": STR,
                                "link": STR,
                                "updated_at": STR,
                            },
                            ["name", "status", "link"],
                        )
                    ),
                },
                ["components", "incidents"],
            ),
        },
        ["id", "name", "url", "kind", "poll_seconds", "state", "components", "vendor"],
    ),
}

SOURCE_BODY = {
    "name": {"type": "string", "maxLength": 120},
    "url": {"type": "string", "format": "uri", "maxLength": 2048},
    "kind": {"enum": list(VENDOR_KINDS), "default": "statuspage"},
    "components": MAPPING,
    "poll_seconds": {**POLL_SECONDS, "default": 60},
}

PATHS = {
    "/vendor-sources": {
        "get": operation(
            "Vendor sources and what each vendor said last",
            "view_admin",
            ok("The sources", obj({"vendor_sources": array(ref("VendorSource"))})),
        ),
        "post": operation(
            "Add a vendor's status page (Statuspage summary.json) or RSS/Atom status feed; "
            "mapped Herald components follow the vendor's statuses",
            "manage_components",
            ok("The source", ref("VendorSource"), "201"),
            requestBody=body(obj(SOURCE_BODY, ["name", "url"], additionalProperties=False)),
        ),
    },
    "/vendor-sources/{source_id}": {
        "parameters": [path_id("source_id", "vendor source")],
        "get": operation(
            "A vendor source: its poll state, last error and the vendor's current "
            "components and incidents",
            "view_admin",
            ok("The source", ref("VendorSource")),
        ),
        "patch": operation(
            "Edit a vendor source (a new URL or kind starts reading afresh)",
            "manage_components",
            ok("The source", ref("VendorSource")),
            requestBody=body(
                obj(
                    {**SOURCE_BODY, "enabled": {"type": "boolean"}},
                    additionalProperties=False,
                )
            ),
        ),
        "delete": operation(
            "Delete a vendor source; its claims on components are withdrawn",
            "manage_components",
            {"204": {"description": "Deleted"}},
        ),
    },
}
