"""Effective status: a component's own status combined with its dependencies'.

A hard dependency passes its status on ("API is down because Database is down"); a soft
one only degrades ("Search is slower while Cache is out"). The result is cached on each
component, recorded in its status history, and explained in ``effective_reason``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.models import Component, ComponentDependency
from app.status.history import record_status_change
from core.db import db
from core.vocab import STATUS_LABELS, STATUS_SEVERITY

SOFT_DEGRADES_ON = {"degraded_performance", "partial_outage", "major_outage"}


@dataclass
class Effective:
    status: str
    # Names of the dependencies that make the status worse than the component's own.
    causes: list[str] = field(default_factory=list)
    reason: str = ""


def _derived(dep_status: str, kind: str) -> str:
    if dep_status == "operational":
        return "operational"
    if kind == "hard":
        return dep_status
    return "degraded_performance" if dep_status in SOFT_DEGRADES_ON else "operational"


def compute_effective(
    statuses: dict[int, str], names: dict[int, str], edges: list[tuple[int, int, str]]
) -> dict[int, Effective]:
    """Compute every component's effective status from own statuses and dependency edges
    (component_id, depends_on_id, kind). The graph is acyclic (``add_dependency`` refuses
    cycles), but a cycle in old data is cut rather than looped on."""
    needs: dict[int, list[tuple[int, str]]] = {cid: [] for cid in statuses}
    for component_id, depends_on_id, kind in edges:
        if component_id in needs and depends_on_id in statuses:
            needs[component_id].append((depends_on_id, kind))
    result: dict[int, Effective] = {}
    in_progress: set[int] = set()

    def resolve(cid: int) -> Effective:
        if cid in result:
            return result[cid]
        if cid in in_progress:
            return Effective(statuses[cid])
        in_progress.add(cid)
        own = statuses[cid]
        best = Effective(own)
        explanations: list[str] = []
        for dep_id, kind in needs[cid]:
            dep = resolve(dep_id)
            status = _derived(dep.status, kind)
            if STATUS_SEVERITY[status] <= STATUS_SEVERITY[own]:
                continue
            if STATUS_SEVERITY[status] > STATUS_SEVERITY[best.status]:
                best = Effective(status)
                explanations = []
            if status == best.status:
                best.causes.append(names[dep_id])
                label = STATUS_LABELS[dep.status].lower()
                via = f" via {', '.join(dep.causes)}" if dep.causes else ""
                explanations.append(f"depends on {names[dep_id]} ({label}{via})")
        if explanations:
            text = "; ".join(explanations)
            best.reason = text[0].upper() + text[1:]
        in_progress.discard(cid)
        result[cid] = best
        return best

    for cid in statuses:
        resolve(cid)
    return result


def dependency_edges() -> list[tuple[int, int, str]]:
    """Every dependency as (component, depends on, kind)."""
    rows = db.session.execute(
        select(
            ComponentDependency.component_id,
            ComponentDependency.depends_on_id,
            ComponentDependency.kind,
        )
    )
    return [tuple(row) for row in rows]


def refresh_effective_statuses(at: datetime) -> list[Component]:
    """Recompute effective statuses after any status or dependency change; record a status
    interval for each component whose effective status changed. Returns those components."""
    components = db.session.scalars(select(Component)).all()
    edges = dependency_edges()
    computed = compute_effective(
        {c.id: c.status for c in components},
        {c.id: c.name for c in components},
        edges,
    )
    changed = []
    for component in components:
        effective = computed[component.id]
        if component.effective_reason != effective.reason:
            component.effective_reason = effective.reason
        if component.effective_status != effective.status:
            component.effective_status = effective.status
            record_status_change(component, effective.status, at)
            changed.append(component)
    return changed


def dependents_of(component_ids: set[int]) -> set[int]:
    """Every component that depends, directly or not, on any of ``component_ids``."""
    needed_by: dict[int, list[int]] = {}
    for component_id, depends_on_id, _kind in dependency_edges():
        needed_by.setdefault(depends_on_id, []).append(component_id)
    found: set[int] = set()
    stack = list(component_ids)
    while stack:
        for dependent in needed_by.get(stack.pop(), ()):
            if dependent not in found and dependent not in component_ids:
                found.add(dependent)
                stack.append(dependent)
    return found
