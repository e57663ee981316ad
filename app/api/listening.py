"""Management API: listening feeds and the mentions they found.

GET/POST /listening-feeds, GET/PATCH/DELETE /listening-feeds/<id>, GET /mentions?since=.
Bodies are checked field by field before the service runs (app.api.inputs); the service
checks the values, so a bad request answers 400 and changes nothing. Described in
app/api/openapi_listening.py."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify, request

from app.api import bp
from app.api.auth import allow, api_user
from app.api.errors import ApiError
from app.api.inputs import boolean, invalid, json_body, moment, text
from app.api.lookup import by_public_id
from app.api.shapes import time
from app.models import ListeningFeed
from app.signals import listening, listening_mentions
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
    rows = listening_mentions.latest_mentions(MENTIONS_LIMIT, since=since)
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
