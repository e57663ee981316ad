"""Maintenance by the clock: what the worker's next ``advance_maintenance`` will commit,
derived without writing, so that a read shows a window whose start has passed as in
progress (and one whose end has passed as completed) before the worker gets to it.

The rules are ``app.maintenance.services``'s: only windows with ``auto_transition`` move;
a scheduled window whose start has passed is in progress, one past its
``scheduled_until`` is completed. Starting puts the window's operational components under
maintenance (a component an incident made worse keeps its status); completing returns
its components under maintenance to operational unless another running window holds
them. Only the worker commits these steps (and tells the subscribers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.models import Component, Maintenance
from app.status.effective import compute_effective, dependency_edges
from core.db import db

RUNNING = ("in_progress", "verifying")


def maintenance_steps(window: Maintenance, now: datetime) -> list[tuple[str, datetime]]:
    """The automatic steps due for ``window`` at ``now``, as (new status, at), in order."""
    if not window.auto_transition:
        return []
    steps = []
    if window.status == "scheduled" and window.scheduled_for <= now:
        steps.append(("in_progress", window.scheduled_for))
    if (steps or window.status in RUNNING) and window.scheduled_until <= now:
        steps.append(("completed", window.scheduled_until))
    return steps


def effective_maintenance_status(window: Maintenance, now: datetime) -> str:
    """The window's status at ``now``: its committed one moved on by the clock."""
    steps = maintenance_steps(window, now)
    return steps[-1][0] if steps else window.status


def completed_by(now: datetime):
    """``effective_maintenance_status(m, now) == "completed"`` as a WHERE clause."""
    return (Maintenance.status == "completed") | (
        Maintenance.auto_transition.is_(True) & (Maintenance.scheduled_until <= now)
    )


def effective_window_times(
    window: Maintenance, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """When the window started and completed, as of ``now`` (None: not yet)."""
    started, completed = window.started_at, window.completed_at
    for status, at in maintenance_steps(window, now):
        if status == "completed":
            completed = at
        else:
            started = started or at
    return started, completed


@dataclass(frozen=True)
class WindowFacts:
    """What the derivation needs of one window that has not completed."""

    id: int
    status: str  # as committed
    steps: tuple[tuple[str, datetime], ...]  # due by the clock
    component_ids: frozenset[int]


def statuses_after_steps(windows: Iterable[WindowFacts], own: dict[int, str]) -> dict[int, str]:
    """Components' own statuses once the due steps are taken, in the order given (the
    worker's: by start), as ``_transition`` would set them."""
    windows = list(windows)
    own = dict(own)
    current = {w.id: w.status for w in windows}

    def held_by_other(window: WindowFacts, component_id: int) -> bool:
        return any(
            other.id != window.id
            and current[other.id] in RUNNING
            and component_id in other.component_ids
            for other in windows
        )

    for window in windows:
        for status, _at in window.steps:
            current[window.id] = status
            for cid in window.component_ids & own.keys():
                if status in RUNNING and own[cid] == "operational":
                    own[cid] = "under_maintenance"
                elif (
                    status == "completed"
                    and own[cid] == "under_maintenance"
                    and not held_by_other(window, cid)
                ):
                    own[cid] = "operational"
    return own


@dataclass(frozen=True)
class ComponentNow:
    own: str
    status: str  # effective: with its dependencies
    reason: str


@dataclass(frozen=True)
class MaintenanceClock:
    """Components' state at ``now``: ``components`` is empty unless a window's step is
    due, and then holds every component; otherwise the committed statuses hold.
    ``next_boundary`` is the next time the clock moves a window (None: no such time)."""

    now: datetime
    next_boundary: datetime | None = None
    components: dict[int, ComponentNow] = field(default_factory=dict)

    def status(self, component: Component) -> str:
        found = self.components.get(component.id)
        return found.status if found else component.effective_status

    def own_status(self, component: Component) -> str:
        found = self.components.get(component.id)
        return found.own if found else component.status

    def reason(self, component: Component) -> str:
        found = self.components.get(component.id)
        return found.reason if found else component.effective_reason


def maintenance_clock(now: datetime) -> MaintenanceClock:
    """Read (never write) the state the worker will commit for the windows due at
    ``now``; nothing extra is loaded when no step is due, which is nearly always."""
    open_windows = db.session.scalars(
        select(Maintenance)
        .where(Maintenance.status != "completed")
        .options(selectinload(Maintenance.affected))
        .order_by(Maintenance.scheduled_for, Maintenance.id)
    ).all()
    facts = [
        WindowFacts(
            w.id,
            w.status,
            tuple(maintenance_steps(w, now)),
            frozenset(link.component_id for link in w.affected),
        )
        for w in open_windows
    ]
    boundaries = [
        moment
        for w in open_windows
        if w.auto_transition
        for moment in (w.scheduled_for, w.scheduled_until)
        if moment > now
    ]
    next_boundary = min(boundaries, default=None)
    if not any(f.steps for f in facts):
        return MaintenanceClock(now, next_boundary)
    rows = db.session.execute(select(Component.id, Component.status, Component.name)).all()
    own = statuses_after_steps(facts, {cid: status for cid, status, _ in rows})
    effective = compute_effective(own, {cid: name for cid, _, name in rows}, dependency_edges())
    return MaintenanceClock(
        now,
        next_boundary,
        {cid: ComponentNow(own[cid], effective[cid].status, effective[cid].reason) for cid in own},
    )
