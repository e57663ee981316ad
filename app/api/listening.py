"""Management API: listening feeds and the mentions they found.

GET/POST /listening-feeds, GET/PATCH/DELETE /listening-feeds/<id>, GET /mentions?since=.
Bodies are checked field by field before the service runs (app.api.inputs); the service
checks the values, so a bad request answers 400 and changes nothing. The OpenAPI paths
are added to the document here, next to the views they describe."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify, request

from app.api import bp
from app.api.auth import allow, api_user
from app.api.errors import ApiError
from app.api.inputs import boolean, invalid, json_body, moment, text
from app.api.lookup import by_public_id
from app.api.openapi import PATHS, body, ok, operation, path_id
from app.api.openapi_schemas import BOOL, INT, NULL_STR, NULL_TIME, SCHEMAS, STR, TIME, array, obj
from app.api.openapi_schemas import ref as schema_ref
from app.api.shapes import time
from app.models import ListeningFeed
from app.models.signals import DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS
from app.signals import listening
from core.db import db
from core.time import utcnow

FIELDS = listening.UPDATABLE
MENTIONS_LIMIT = 200


def _feed_json(feed: ListeningFeed) -> dict:
    return {
        "id": feed.public_id,
        "name": feed.name,
        "url": feed.url,
        "keywords": [line for line in feed.keywords.splitlines() if line],
        "poll_seconds": feed.poll_seconds,
        "alert_threshold": feed.alert_threshold,
        "enabled": feed.enabled,
        "state": feed.poll_state,
        "stale": feed.poll_state == "stale",
        "last_error": feed.last_error or None,
        "last_polled_at": time(feed.last_polled_at),
        "last_success_at": time(feed.last_success_at),
        "next_poll_at": time(feed.next_poll_at),
        "created_at": time(feed.created_at),
    }


def _integer(data: dict, name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{name!r} must be a whole number.", name)
    return value


def _keywords(data: dict) -> str | None:
    value = data.get("keywords")
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        if any("\n" in v or "\r" in v for v in value):
            raise invalid("A keyword cannot span lines.", "keywords")
        return "\n".join(value)
    raise invalid("'keywords' must be a list of strings (or one per line).", "keywords")


def _read(data: dict) -> dict:
    values = {
        "name": text(data, "name"),
        "url": text(data, "url"),
        "keywords": _keywords(data),
        "poll_seconds": _integer(data, "poll_seconds"),
        "alert_threshold": _integer(data, "alert_threshold"),
        "enabled": boolean(data, "enabled"),
    }
    return {k: v for k, v in values.items() if v is not None}


def _feed(feed_id: str) -> ListeningFeed:
    return by_public_id(ListeningFeed, feed_id, "listening feed")


@bp.get("/listening-feeds")
@allow("view_admin")
def listening_feeds():
    return jsonify({"listening_feeds": [_feed_json(f) for f in listening.all_feeds()]})


@bp.post("/listening-feeds")
@allow("manage_components")
def create_listening_feed():
    data = json_body(FIELDS, required=("name", "url"))
    feed = listening.create_feed(api_user(), **_read(data))
    db.session.commit()
    return jsonify(_feed_json(feed)), 201


@bp.get("/listening-feeds/<feed_id>")
@allow("view_admin")
def listening_feed(feed_id: str):
    return jsonify(_feed_json(_feed(feed_id)))


@bp.patch("/listening-feeds/<feed_id>")
@allow("manage_components")
def update_listening_feed(feed_id: str):
    data = json_body(FIELDS)  # the body first: a bad one answers 400 whatever the id
    feed = _feed(feed_id)
    if not data:
        raise invalid(f"Send at least one of {', '.join(FIELDS)}.")
    if any(data.get(name) is None for name in data):
        name = next(name for name in data if data.get(name) is None)
        raise invalid(f"{name!r} cannot be null.", name)
    listening.update_feed(api_user(), feed, **_read(data))
    db.session.commit()
    return jsonify(_feed_json(feed))


@bp.delete("/listening-feeds/<feed_id>")
@allow("manage_components")
def delete_listening_feed(feed_id: str):
    json_body(())  # no body expected; a broken one answers 400
    feed = _feed(feed_id)
    listening.delete_feed(api_user(), feed)
    db.session.commit()
    return "", 204


@bp.get("/mentions")
@allow("view_internal")
def mentions():
    """The newest mentions (at most 200), since ``since`` (default: six hours ago)."""
    unknown = sorted(set(request.args) - {"since"})
    if unknown:
        raise ApiError(400, "invalid", f"Unknown parameter {unknown[0]!r}; use since.", unknown[0])
    raw = request.args.get("since", "")
    if len(raw) > 64:
        raise invalid("'since' is too long for a time.", "since")
    since = moment(raw, "since") if raw else utcnow() - timedelta(hours=6)
    rows = listening.latest_mentions(MENTIONS_LIMIT, since=since)
    return jsonify(
        {
            "since": time(since),
            "mentions": [
                {
                    "title": m.title,
                    "link": m.link or None,
                    "source": m.source,
                    "component": m.component or None,
                    "published_at": time(m.published_at),
                }
                for m in rows
            ],
        }
    )


# OpenAPI ---------------------------------------------------------------------------------

FEED_BODY = {
    "name": {"type": "string", "maxLength": listening.MAX_NAME},
    "url": {"type": "string", "format": "uri", "description": "An http(s) RSS or Atom feed"},
    "keywords": {
        **array(STR),
        "description": "Whole words or phrases, any case; empty: the page name and every "
        "component name",
    },
    "poll_seconds": {
        "type": "integer",
        "minimum": MIN_POLL_SECONDS,
        "maximum": listening.MAX_POLL_SECONDS,
        "default": DEFAULT_POLL_SECONDS,
    },
    "alert_threshold": {
        "type": "integer",
        "minimum": 1,
        "maximum": listening.MAX_THRESHOLD,
        "default": 10,
        "description": "Mentions in 15 minutes above which, with no incident open, an "
        "incident is suggested",
    },
    "enabled": {**BOOL, "default": True},
}
SCHEMAS["ListeningFeed"] = obj(
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
)
SCHEMAS["Mention"] = obj(
    {
        "title": {"type": "string", "description": "Plain text (markup removed)"},
        "link": NULL_STR,
        "source": {"type": "string", "description": "The listening feed's name"},
        "component": NULL_STR,
        "published_at": TIME,
    },
    ["title", "link", "source", "component", "published_at"],
)
FEED_ID = path_id("feed_id", "listening feed")
PATHS["/listening-feeds"] = {
    "get": operation(
        "The listening feeds, with their state",
        "view_admin",
        ok("The feeds", obj({"listening_feeds": array(schema_ref("ListeningFeed"))})),
    ),
    "post": operation(
        "Add a listening feed",
        "manage_components",
        ok("The feed", schema_ref("ListeningFeed"), "201"),
        requestBody=body(obj(FEED_BODY, ["name", "url"], additionalProperties=False)),
    ),
}
PATHS["/listening-feeds/{feed_id}"] = {
    "parameters": [FEED_ID],
    "get": operation("A listening feed", "view_admin", ok("The feed", schema_ref("ListeningFeed"))),
    "patch": operation(
        "Change a listening feed (a new address starts polling afresh)",
        "manage_components",
        ok("The feed", schema_ref("ListeningFeed")),
        requestBody=body(obj(FEED_BODY, additionalProperties=False, minProperties=1)),
    ),
    "delete": operation(
        "Delete a listening feed and its mentions",
        "manage_components",
        {"204": {"description": "Deleted"}},
    ),
}
PATHS["/mentions"] = {
    "get": operation(
        "The newest mentions found by the listening feeds (at most 200)",
        "view_internal",
        ok(
            "The mentions, newest first",
            obj({"since": TIME, "mentions": array(schema_ref("Mention"))}, ["since", "mentions"]),
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
}
