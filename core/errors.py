"""Errors that service functions raise for bad input; views turn them into messages."""


class ServiceError(ValueError):
    """The request cannot be carried out as asked; the message says why, for a person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The thing named does not exist (or is not visible to the asker)."""


class Conflict(ServiceError):
    """The request clashes with the current state (a duplicate name, a cycle …)."""
