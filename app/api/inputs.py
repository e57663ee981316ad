"""Reading request bodies: JSON objects only, known fields only, times with offsets.

Whatever is wrong answers 400 with the field named, before any service is called, so a
bad request changes nothing."""

from __future__ import annotations

from datetime import datetime

from flask import request
from sqlalchemy import select

from app.api.errors import ApiError
from app.input_bounds import MAX_JSON_BYTES, BadJson, read_json
from app.models import Component
from core.db import db


def invalid(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "invalid", message, field)


def json_body(allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    """The request's JSON object (an empty body counts as {} when nothing is required)."""
    too_large = ApiError(
        400, "too_large", f"The body is larger than {MAX_JSON_BYTES:,} bytes; send less."
    )
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise too_large  # refused before it is read
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        raise too_large
    if not raw.strip():
        data = {}
    else:
        try:
            data = read_json(raw)
        except BadJson as error:
            code = "invalid" if error.field else "bad_json"
            raise ApiError(400, code, str(error), error.field) from None
        if not isinstance(data, dict):
            raise ApiError(400, "bad_json", "The body must be a JSON object.")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise invalid(
            f"Unknown field {unknown[0]!r}; this call takes {', '.join(allowed)}.", unknown[0]
        )
    for name in required:
        if data.get(name) in (None, ""):
            raise invalid(f"{name!r} is required.", name)
    return data


def text(data: dict, name: str, default: str | None = None, field: str | None = None) -> str | None:
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise invalid(f"{field or name!r} must be a string.", field or name)
    return value


def boolean(data: dict, name: str, default: bool | None = None) -> bool | None:
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(f"{name!r} must be true or false.", name)
    return value


def strings(data: dict, name: str) -> list[str] | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(f"{name!r} must be a list of strings.", name)
    return value


def moment(value, field: str) -> datetime | None:
    """An ISO 8601 time with a UTC offset (``Z`` or ``+02:00``); a naive time is refused,
    since nobody can tell which zone it meant."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid(f"{field!r} must be an ISO 8601 time string.", field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(
            f"{field!r} is not an ISO 8601 time: {value!r} (write e.g. 2026-11-28T14:30:00Z).",
            field,
        ) from None
    if "T" not in value.upper() and " " not in value:
        raise invalid(f"{field!r} needs a time of day as well as a date: {value!r}.", field)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise invalid(
            f"{field!r} has no UTC offset: {value!r}. Add one, e.g. {value}Z or {value}+01:00.",
            field,
        )
    return parsed


def component_statuses(value, field: str = "components") -> dict[Component, str]:
    """{<component id>: status} or [{"id", "status"}] → {Component: status}."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = []
        for item in value:
            if not isinstance(item, dict) or set(item) != {"id", "status"}:
                raise invalid(
                    f'Each of {field!r} must be an object {{"id": …, "status": …}}.', field
                )
            pairs.append((item["id"], item["status"]))
    else:
        raise invalid(
            f'{field!r} must map component ids to statuses, {{"<id>": "partial_outage"}}, '
            f'or list them, [{{"id": "<id>", "status": "partial_outage"}}].',
            field,
        )
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs):
        raise invalid(f"Component ids and statuses in {field!r} must be strings.", field)
    ids = [k for k, _ in pairs]
    if len(set(ids)) != len(ids):
        raise invalid(f"A component is named twice in {field!r}.", field)
    found = (
        {
            c.public_id: c
            for c in db.session.scalars(select(Component).where(Component.public_id.in_(ids)))
        }
        if ids
        else {}
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid(f"No component with id {missing[0]!r}.", field)
    return {found[k]: v for k, v in pairs}
