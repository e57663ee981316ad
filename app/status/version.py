"""The page content version: bumped with every change that the pages or API show."""

from __future__ import annotations

from sqlalchemy import select, update

from app.models import PageState, utcnow
from core.db import db


def bump_page_version() -> None:
    """Mark the page content as changed, in the current transaction."""
    result = db.session.execute(
        update(PageState)
        .where(PageState.id == 1)
        .values(version=PageState.version + 1, updated_at=utcnow())
    )
    if result.rowcount == 0:
        db.session.add(PageState(id=1, version=2, updated_at=utcnow()))
    # Read by the after-commit hook, which tells this process's page cache at once.
    db.session.info["page_changed"] = True


def current_page_version() -> int:
    """The committed version (0 before anything was ever written)."""
    return db.session.scalar(select(PageState.version).where(PageState.id == 1)) or 0
