"""Staff screens: components, incidents, maintenance, users, audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from flask import Blueprint, flash

from app.timeutil import page_zone
from core.db import db
from core.errors import ServiceError

bp = Blueprint("admin", __name__, url_prefix="/admin")

T = TypeVar("T")


def attempt(action: Callable[[], T]) -> tuple[T | None, int]:
    """Run a service call and commit; on a ServiceError roll back, flash the message and
    return the HTTP status to answer with (the form is shown again, nothing changed)."""
    try:
        result = action()
        db.session.commit()
        return result, 200
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return None, error.status


def form_errors(form) -> None:
    """Flash WTForms' validation errors, naming each field."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def local_to_utc(moment: datetime | None) -> datetime | None:
    """A naive time from a datetime-local input is in the page's time zone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=page_zone()).astimezone(UTC)


def utc_to_local_input(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(page_zone()).replace(tzinfo=None)


from app.admin import (  # noqa: E402,F401
    api_tokens,
    approvals,
    audiences,
    audit_log,
    broadcasts,
    comms_log,
    components,
    composer,
    credits,
    dashboard,
    impact_notes,
    incidents,
    integrations,
    listening,
    maintenance,
    metrics,
    pages,
    subscribers,
    suggestions,
    templates,
    users,
    vendor_sources,
)
