"""Errors that service functions raise for bad input; views turn them into messages.

Each class carries the HTTP status and the API error code it answers with, so the admin,
the API and the public pages map them one way (``status`` and ``code``)."""


class ServiceError(ValueError):
    """The request cannot be carried out as asked; the message says why, for a person."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The thing named does not exist (or is not visible to the asker)."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The request clashes with the current state (a duplicate name, a cycle …)."""

    status = 409
    code = "conflict"
