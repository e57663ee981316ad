"""A source's present claim on a component's status, and the component's signal status:
the worst of its claims (operational when none is left). Withdrawing a claim also closes
the source's open suggestions whose signal has cleared and marks the signals it kept on
incidents cleared; a new claim makes those it claims again active (see
app.signals.backing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from app.models import Component, ComponentSignal
from app.signals.backing import close_cleared, reopen_claimed
from app.status.components import set_signal_status
from app.status.version import bump_page_version
from core.db import db
from core.time import utcnow
from core.vocab import STATUS_SEVERITY


def claim(
    component: Component,
    source: str,
    status: str,
    *,
    reason: str,
    link: str = "",
    public: bool = False,
    at: datetime | None = None,
) -> bool:
    """``source`` (``vendor:<id>``, ``alert:<id>``) says ``component`` is ``status``;
    ``operational`` withdraws the claim. Returns whether the component's shown status
    changed. Repeating the same claim changes nothing."""
    at = at or utcnow()
    row = db.session.scalar(
        select(ComponentSignal).where(
            ComponentSignal.component_id == component.id, ComponentSignal.source == source
        )
    )
    if status == "operational":
        if row is None:
            return False
        db.session.delete(row)
        db.session.flush()
        close_cleared(source, at)
    elif row is None:
        db.session.add(
            ComponentSignal(
                component_id=component.id,
                source=source,
                status=status,
                reason=reason,
                link=link,
                public=public,
                since=at,
            )
        )
        db.session.flush()
        reopen_claimed(source)
    elif (row.status, row.reason, row.link, row.public) == (status, reason, link, public):
        return False
    else:
        row.status, row.reason, row.link, row.public = status, reason, link, public
    db.session.flush()
    changed = recompute(component, at)
    if not changed:
        # The words or link shown changed without the status: the cached pages must
        # still be rebuilt (a status change bumps the version itself).
        bump_page_version()
    return changed


def withdraw_source(source: str, at: datetime | None = None) -> list[Component]:
    """Withdraw every claim of ``source`` (deleted, revoked or unmapped); returns the
    components whose shown status changed."""
    ids = db.session.scalars(
        select(ComponentSignal.component_id).where(ComponentSignal.source == source)
    ).all()
    db.session.execute(delete(ComponentSignal).where(ComponentSignal.source == source))
    db.session.flush()
    close_cleared(source, at)
    if ids:
        bump_page_version()  # "Reported by ..." goes even where the status stays
    changed = []
    for component in db.session.scalars(select(Component).where(Component.id.in_(ids))):
        if recompute(component, at or utcnow()):
            changed.append(component)
    return changed


def claims_on(component_id: int) -> list[ComponentSignal]:
    """The component's present claims, worst first."""
    rows = db.session.scalars(
        select(ComponentSignal).where(ComponentSignal.component_id == component_id)
    ).all()
    return sorted(rows, key=lambda row: (-STATUS_SEVERITY[row.status], row.since))


def all_claims() -> dict[int, list[ComponentSignal]]:
    """Every component's present claims, worst first, in one query (for pages that list
    every component)."""
    grouped: dict[int, list[ComponentSignal]] = {}
    for row in db.session.scalars(select(ComponentSignal)):
        grouped.setdefault(row.component_id, []).append(row)
    for rows in grouped.values():
        rows.sort(key=lambda row: (-STATUS_SEVERITY[row.status], row.since))
    return grouped


def recompute(component: Component, at: datetime) -> bool:
    """Apply the worst present claim to the component (see set_signal_status)."""
    rows = claims_on(component.id)
    worst = rows[0] if rows else None
    status = worst.status if worst else "operational"
    if status == component.signal_status:
        return False
    note = worst.reason if worst else "signals cleared"
    return set_signal_status(component, status, at, note)
