"""Finding what a URL names, by the id the public JSON shows; 404 JSON otherwise."""

from __future__ import annotations

from sqlalchemy import select

from app.api.errors import ApiError
from core.db import db


def by_public_id(model, public_id: str, what: str, **where):
    query = select(model).where(model.public_id == public_id)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    found = db.session.scalar(query)
    if found is None:
        raise ApiError(404, "not_found", f"No {what} with id {public_id!r}.")
    return found
