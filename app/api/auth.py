"""Bearer-token authentication and the role check for the management API.

Every endpoint but the OpenAPI document needs ``Authorization: Bearer <token>``; a
session cookie counts for nothing here. The role rules are the admin's: a view names a
permission of ``app.auth.permissions.PERMISSIONS``."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from app.api import tokens
from app.api.errors import ApiError
from app.auth.permissions import PERMISSIONS
from app.models import User
from core.db import db

PUBLIC_ENDPOINTS = {"api_v1.openapi"}


def authenticate() -> None:
    """Before each request of the blueprint: find the token's user, or answer 401."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiError(
            401,
            "unauthorized",
            "Send an API token in the Authorization header: Bearer <token>. "
            "Make one with `herald create-token EMAIL`.",
        )
    user = tokens.verify(credentials.strip())
    if user is None:
        db.session.rollback()
        raise ApiError(
            401,
            "invalid_token",
            "That API token is not valid: it is unknown, revoked, or its user is deactivated.",
        )
    db.session.commit()  # last_used_at, when it moved
    g.api_user = user


def api_user() -> User:
    return g.api_user


def allow(permission: str):
    """View decorator: the token's user must hold ``permission`` (403 otherwise)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = api_user()
            if user.role not in PERMISSIONS[permission]:
                raise ApiError(
                    403,
                    "forbidden",
                    f"Your role ({user.role}) does not allow this: it needs the "
                    f"{permission} permission.",
                )
            return view(*args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorate
