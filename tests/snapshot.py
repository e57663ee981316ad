"""What a refused request must leave untouched: the row count of every table, the audit
log and the page version."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditEvent, Base, PageState
from core.db import db


def snapshot() -> dict[str, int]:
    """Row counts of every table, the audit log and the page version: any change shows."""
    db.session.expire_all()
    counts = {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }
    counts["audit events"] = db.session.scalar(select(func.count(AuditEvent.id)))
    counts["page version"] = db.session.scalar(select(PageState.version)) or 0
    return counts
