"""The management API, version 1, at /api/v1: token authentication, the admin's role
rules, JSON in and out, errors as JSON. The views call the same services as the admin;
the OpenAPI document at /api/v1/openapi.json describes every route."""

from __future__ import annotations

from flask import Blueprint

from app.api import errors
from app.api.auth import authenticate
from app.extensions import csrf

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token authentication, no cookies: there is no session to forge
bp.before_request(authenticate)
errors.register(bp)

from app.api import (  # noqa: E402,F401
    drafts,
    integrations,
    listening,
    openapi,
    pages,
    postmortems,
    reports,
    subscribers,
    suggestions,
    v1,
    vendor_sources,
)
