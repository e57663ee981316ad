"""The private pages' part of the OpenAPI document (app/api/openapi.py): the routes of
app/api/pages.py, their paths and schemas."""

from __future__ import annotations

from app.api.openapi_schemas import (
    BOOL,
    INT,
    NULL_TIME,
    STR,
    TIME,
    array,
    body,
    obj,
    ok,
    operation,
    ref,
)
from app.models.pages import MAX_COMPONENTS, NAME_LENGTH, SLUG_LENGTH

SLUG = {
    "type": "string",
    "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
    "minLength": SLUG_LENGTH[0],
    "maxLength": SLUG_LENGTH[1],
    "description": "The page's address, /p/<slug>; cannot change",
}
COMPONENT_IDS = {
    **array(STR),
    "minItems": 1,
    "maxItems": MAX_COMPONENTS,
    "description": "Component ids (hidden components too)",
}
NAME = {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH}
SLUG_PARAM = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": STR,
    "description": "The page's slug",
}

SCHEMAS = {
    "PrivatePage": obj(
        {
            "id": STR,
            "slug": STR,
            "name": STR,
            "audience": {"type": "string", "description": "Its audience key, page:<slug>"},
            "components": array(obj({"id": STR, "name": STR}, ["id", "name"])),
            "viewers": array(
                obj(
                    {"id": INT, "email": STR, "invited_at": TIME, "signed_in_at": NULL_TIME},
                    ["id", "email", "invited_at", "signed_in_at"],
                )
            ),
            "has_read_token": BOOL,
            "created_at": TIME,
        },
        ["id", "slug", "name", "audience", "components", "viewers", "has_read_token"],
    ),
}

PATHS = {
    "/pages": {
        "get": operation(
            "Private pages (pages of chosen components for invited viewers)",
            "view_admin",
            ok("The pages", obj({"pages": array(ref("PrivatePage"))})),
        ),
        "post": operation(
            "Create a private page at /p/<slug> and its audience page:<slug>",
            "manage_pages",
            ok("The page", ref("PrivatePage"), "201"),
            requestBody=body(
                obj(
                    {"slug": SLUG, "name": NAME, "components": COMPONENT_IDS},
                    ["slug", "name", "components"],
                    additionalProperties=False,
                )
            ),
        ),
    },
    "/pages/{slug}": {
        "parameters": [SLUG_PARAM],
        "get": operation(
            "A private page: its components and viewers",
            "view_admin",
            ok("The page", ref("PrivatePage")),
        ),
        "patch": operation(
            "Rename a private page or change its components (the slug stays)",
            "manage_pages",
            ok("The page", ref("PrivatePage")),
            requestBody=body(
                obj(
                    {"slug": SLUG, "name": NAME, "components": COMPONENT_IDS},
                    additionalProperties=False,
                )
            ),
        ),
        "delete": operation(
            "Delete a private page; its viewers lose access, its subscribers are unsubscribed",
            "manage_pages",
            {"204": {"description": "Deleted"}},
        ),
    },
    "/pages/{slug}/viewers": {
        "parameters": [SLUG_PARAM],
        "post": operation(
            "Invite a viewer by email: a single-use sign-in link (72 hours) is emailed; "
            "inviting again sends a new link",
            "manage_pages",
            ok("The viewer", obj({"id": INT, "email": STR, "page": STR}), "201"),
            requestBody=body(
                obj(
                    {"email": {"type": "string", "format": "email", "maxLength": 254}},
                    ["email"],
                    additionalProperties=False,
                )
            ),
        ),
    },
    "/pages/{slug}/viewers/{viewer_id}": {
        "parameters": [
            SLUG_PARAM,
            {"name": "viewer_id", "in": "path", "required": True, "schema": INT},
        ],
        "delete": operation(
            "Remove a viewer: its session and links stop working, its subscription ends",
            "manage_pages",
            {"204": {"description": "Removed"}},
        ),
    },
    "/pages/{slug}/read-token": {
        "parameters": [SLUG_PARAM],
        "post": operation(
            "Make a new read token for the page's JSON (/p/<slug>/api/v2/summary.json, "
            "as `Authorization: Bearer` or `?token=`); the previous one stops working. "
            "The token is shown only in this answer",
            "manage_pages",
            ok("The token", obj({"token": STR}, ["token"]), "201"),
            requestBody=body(obj({}, additionalProperties=False), required=False),
        ),
    },
}
