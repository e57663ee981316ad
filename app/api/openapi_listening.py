"""The listening part of the OpenAPI document (app/api/openapi.py): the listening feeds
and mentions routes of app/api/listening.py, their paths and schemas."""

from __future__ import annotations

from app.api.openapi_schemas import (
    BOOL,
    INT,
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
from app.models.signals import (
    DEFAULT_POLL_SECONDS,
    LISTENING_MAX_NAME,
    LISTENING_MAX_POLL_SECONDS,
    LISTENING_MAX_THRESHOLD,
    MIN_POLL_SECONDS,
)

FEED_BODY = {
    "name": {"type": "string", "maxLength": LISTENING_MAX_NAME},
    "url": {"type": "string", "format": "uri", "description": "An http(s) RSS or Atom feed"},
    "keywords": {
        **array(STR),
        "description": "Whole words or phrases, any case; empty: the page name and every "
        "component name",
    },
    "poll_seconds": {
        "type": "integer",
        "minimum": MIN_POLL_SECONDS,
        "maximum": LISTENING_MAX_POLL_SECONDS,
        "default": DEFAULT_POLL_SECONDS,
    },
    "alert_threshold": {
        "type": "integer",
        "minimum": 1,
        "maximum": LISTENING_MAX_THRESHOLD,
        "default": 10,
        "description": "Mentions in 15 minutes above which, with no incident open, an "
        "incident is suggested",
    },
    "enabled": {**BOOL, "default": True},
}

SCHEMAS = {
    "ListeningFeed": obj(
        {
            "id": STR,
            "name": STR,
            "url": STR,
            "keywords": array(STR),
            "poll_seconds": INT,
            "alert_threshold": INT,
            "enabled": BOOL,
            "state": {"enum": ["new", "ok", "failing", "stale"]},
            "stale": BOOL,
            "last_error": NULL_STR,
            "last_polled_at": NULL_TIME,
            "last_success_at": NULL_TIME,
            "next_poll_at": TIME,
            "created_at": TIME,
        },
        [
            "id",
            "name",
            "url",
            "keywords",
            "poll_seconds",
            "alert_threshold",
            "enabled",
            "state",
            "stale",
            "last_error",
            "last_polled_at",
            "last_success_at",
            "next_poll_at",
            "created_at",
        ],
    ),
    "Mention": obj(
        {
            "title": {"type": "string", "description": "Plain text (markup removed)"},
            "link": NULL_STR,
            "source": {"type": "string", "description": "The listening feed's name"},
            "component": NULL_STR,
            "published_at": TIME,
        },
        ["title", "link", "source", "component", "published_at"],
    ),
}

FEED_ID = path_id("feed_id", "listening feed")
PATHS = {
    "/listening-feeds": {
        "get": operation(
            "The listening feeds, with their state",
            "view_admin",
            ok("The feeds", obj({"listening_feeds": array(ref("ListeningFeed"))})),
        ),
        "post": operation(
            "Add a listening feed",
            "manage_components",
            ok("The feed", ref("ListeningFeed"), "201"),
            requestBody=body(obj(FEED_BODY, ["name", "url"], additionalProperties=False)),
        ),
    },
    "/listening-feeds/{feed_id}": {
        "parameters": [FEED_ID],
        "get": operation("A listening feed", "view_admin", ok("The feed", ref("ListeningFeed"))),
        "patch": operation(
            "Change a listening feed (a new address starts polling afresh)",
            "manage_components",
            ok("The feed", ref("ListeningFeed")),
            requestBody=body(obj(FEED_BODY, additionalProperties=False, minProperties=1)),
        ),
        "delete": operation(
            "Delete a listening feed and its mentions",
            "manage_components",
            {"204": {"description": "Deleted"}},
        ),
    },
    "/mentions": {
        "get": operation(
            "The newest mentions found by the listening feeds (at most 200)",
            "view_internal",
            ok(
                "The mentions, newest first",
                obj({"since": TIME, "mentions": array(ref("Mention"))}, ["since", "mentions"]),
            ),
            parameters=[
                {
                    "name": "since",
                    "in": "query",
                    "required": False,
                    "schema": TIME,
                    "description": "ISO 8601 with a UTC offset; default six hours ago",
                }
            ],
        ),
    },
}
