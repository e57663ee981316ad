"""Statuspage-compatible public JSON (v2): same paths, field names and values."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint

from app.models import utcnow
from app.public.caching import serve
from app.status.cache import Page
from app.status.reads import current_summary, recent_incidents, recent_maintenance
from app.status.summary_json import components_json, summary_json

bp = Blueprint("api_v2", __name__, url_prefix="/api/v2")
JSON_TYPE = "application/json; charset=utf-8"


def _json(data: dict, last_modified, valid_until) -> Page:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Page(body, JSON_TYPE, last_modified, valid_until)


def _from_summary(build):
    summary = current_summary("public")
    return _json(build(summary), summary.updated_at, summary.valid_until)


def _recent(build):
    summary = current_summary("public")  # the same page header and version
    data = {"page": summary.page, **build()}
    return _json(
        data, summary.updated_at, min(summary.valid_until, utcnow() + timedelta(minutes=5))
    )


ENDPOINTS = {
    "summary": lambda: _from_summary(summary_json),
    "status": lambda: _from_summary(lambda s: {"page": s.page, "status": s.status_json}),
    "components": lambda: _from_summary(
        lambda s: {"page": s.page, "components": components_json(s)}
    ),
    "incidents": lambda: _recent(
        lambda: {"incidents": [e.json for e in recent_incidents("public")]}
    ),
    "incidents/unresolved": lambda: _from_summary(
        lambda s: {"page": s.page, "incidents": [i.json for i in s.incidents]}
    ),
    "scheduled-maintenances": lambda: _recent(
        lambda: {"scheduled_maintenances": [e.json for e in recent_maintenance("public")]}
    ),
    "scheduled-maintenances/upcoming": lambda: _from_summary(
        lambda s: {
            "page": s.page,
            "scheduled_maintenances": [m.json for m in s.maintenance_upcoming],
        }
    ),
    "scheduled-maintenances/active": lambda: _from_summary(
        lambda s: {"page": s.page, "scheduled_maintenances": [m.json for m in s.maintenance_active]}
    ),
}


def _register(name: str) -> None:
    def view():
        return serve(f"api:{name}", ENDPOINTS[name], cors=True)

    bp.add_url_rule(
        f"/{name}.json",
        endpoint=name.replace("/", "_").replace("-", "_"),
        view_func=view,
        methods=["GET"],
    )


for _name in ENDPOINTS:
    _register(_name)
