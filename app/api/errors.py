"""JSON errors for the management API: {"error": {"status", "code", "message", "field"}}.

Every failure answers in this shape, never HTML: service errors (400, 404, 409), bad
JSON and validation (400), missing or bad tokens (401), roles without the permission
(403), unknown addresses and methods (404, 405) and unexpected errors (500)."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from core.db import db
from core.errors import ServiceError

MESSAGES = {
    400: "The request could not be understood.",
    401: "Send an API token: Authorization: Bearer <token>.",
    403: "Your role does not allow this.",
    404: "There is nothing at this address.",
    405: "This address does not take that method.",
    500: "Herald hit an unexpected error and changed nothing. It has been logged.",
}
AUTHENTICATE = 'Bearer realm="herald", error="invalid_token"'


class ApiError(Exception):
    """An answer other than success, raised anywhere in a view."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None, headers=None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


def code_of(name: str) -> str:
    """'Method Not Allowed' → 'method_not_allowed'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def error_response(status: int, code: str, message: str, field: str | None = None, headers=None):
    response = jsonify(error={"status": status, "code": code, "message": message, "field": field})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_service_error(error: ServiceError) -> ApiError:
    return ApiError(error.status, error.code, error.message, error.field)


def register(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.field, error.headers)

    @bp.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        return api_error(from_service_error(error))

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if status >= 500:
            db.session.rollback()
        message = MESSAGES.get(status) or error.description or error.name
        return error_response(status, code_of(error.name), message)

    # The app's own 500 handler is found before a class-based one: claim the code too.
    # (Flask has logged the exception; the answer says nothing of its insides.)
    bp.register_error_handler(500, http_error)
