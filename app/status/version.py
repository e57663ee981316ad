"""The page content version: bumped with every change that the pages or API show.

The bump is one UPDATE of a single row, so every writer of the pages meets every other
there. It runs just before the transaction commits, not where the change is made: the
row stays locked for the commit only, not for the rest of the writer's work (an alert
delivery that also makes a suggestion and queues notices, say)."""

from __future__ import annotations

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.models import PageState, utcnow
from core.db import db


def bump_page_version() -> None:
    """Mark the page content as changed, in the current transaction: the version goes
    up when it commits, and not at all when it rolls back."""
    db.session.info["page_version_due"] = True
    # Read by the after-commit hook, which tells this process's page cache at once.
    db.session.info["page_changed"] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if not session.info.pop("page_version_due", False):
        return
    result = session.execute(
        update(PageState)
        .where(PageState.id == 1)
        .values(version=PageState.version + 1, updated_at=utcnow())
    )
    if result.rowcount == 0:
        session.add(PageState(id=1, version=2, updated_at=utcnow()))


@event.listens_for(Session, "after_rollback")
def _forget_bump(session: Session) -> None:
    session.info.pop("page_version_due", None)


def current_page_version() -> int:
    """The committed version (0 before anything was ever written)."""
    return db.session.scalar(select(PageState.version).where(PageState.id == 1)) or 0
