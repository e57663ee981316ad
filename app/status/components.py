"""Services for component groups, components, dependencies and status changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.models import (
    Component,
    ComponentDependency,
    ComponentGroup,
    Incident,
    IncidentComponent,
    Team,
    User,
    utcnow,
)
from app.notifier.events import ComponentStatusChanged
from app.notifier.notifier import notify
from app.status.effective import refresh_effective_statuses
from app.status.history import start_history
from app.status.version import bump_page_version
from app.textrules import check_single_line
from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ServiceError
from core.vocab import (
    COMPONENT_STATUSES,
    DEPENDENCY_KINDS,
    STATUS_LABELS,
    STATUS_SEVERITY,
    TIERS,
    VISIBILITIES,
)

COMPONENT_FIELDS = (
    "name",
    "description",
    "group_id",
    "position",
    "visibility",
    "tier",
    "team_id",
    "showcase",
    "only_show_if_degraded",
    "start_date",
    "sla_percent",
    "credit_tiers",
)


def _check_choice(value: str, choices: tuple[str, ...], what: str, field: str) -> None:
    if value not in choices:
        raise ServiceError(f"{what} must be one of {', '.join(choices)}; got {value!r}.", field)


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(f"A {what} needs a name.", "name")
    if len(name) > 120:
        raise ServiceError(f"A {what} name can be at most 120 characters.", "name")
    return check_single_line(name, f"A {what} name", "name")


def _unique_name(model, name: str, exclude_id: int | None, what: str) -> None:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(f"There is already a {what} called {name!r}.", "name")


def create_group(
    actor: User | None, name: str, description: str = "", position: int | None = None
) -> ComponentGroup:
    """Create a component group (groups are one level deep)."""
    name = _clean_name(name, "group")
    _unique_name(ComponentGroup, name, None, "group")
    if position is None:
        position = (db.session.scalar(select(func.max(ComponentGroup.position))) or 0) + 1
    group = ComponentGroup(name=name, description=description.strip(), position=position)
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "group.create", group, f"Created group {name}")
    bump_page_version()
    return group


def update_group(actor: User | None, group: ComponentGroup, **values) -> ComponentGroup:
    if "name" in values:
        values["name"] = _clean_name(values["name"], "group")
        _unique_name(ComponentGroup, values["name"], group.id, "group")
    changes = audit.diff(group, values)
    if changes:
        audit.record(actor, "group.update", group, f"Edited group {group.name}", changes)
        bump_page_version()
    return group


def delete_group(actor: User | None, group: ComponentGroup) -> None:
    """Delete a group; its components stay, ungrouped."""
    for component in list(group.components):
        component.group_id = None
    audit.record(actor, "group.delete", group, f"Deleted group {group.name}")
    db.session.delete(group)
    bump_page_version()


def _validate_component(values: dict) -> None:
    if "visibility" in values:
        _check_choice(values["visibility"], VISIBILITIES, "Visibility", "visibility")
    if "tier" in values:
        _check_choice(values["tier"], TIERS, "Tier", "tier")
    if (
        values.get("group_id") is not None
        and db.session.get(ComponentGroup, values["group_id"]) is None
    ):
        raise NotFound("That group does not exist.", "group_id")
    if values.get("team_id") is not None and db.session.get(Team, values["team_id"]) is None:
        raise NotFound("That team does not exist.", "team_id")


def _clean_sla(values: dict, component: Component | None) -> None:
    """The SLA and credit tiers are checked with the rest of the SLA terms."""
    from app.reports.sla_terms import clean_sla_values

    clean_sla_values(values, component)


def create_component(
    actor: User | None,
    name: str,
    *,
    status: str = "operational",
    at: datetime | None = None,
    **values,
) -> Component:
    """Create a component and open its status history (``at`` may be in the past)."""
    at = at or utcnow()
    name = _clean_name(name, "component")
    _unique_name(Component, name, None, "component")
    _check_choice(status, COMPONENT_STATUSES, "Status", "status")
    unknown = set(values) - set(COMPONENT_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown component fields: {', '.join(sorted(unknown))}.")
    _validate_component(values)
    _clean_sla(values, None)
    if values.get("position") is None:
        values["position"] = (db.session.scalar(select(func.max(Component.position))) or 0) + 1
    component = Component(
        name=name,
        status=status,
        staff_status=status,
        effective_status=status,
        created_at=at,
        status_changed_at=at,
        **values,
    )
    db.session.add(component)
    db.session.flush()
    start_history(component, at)
    refresh_effective_statuses(at)
    audit.record(actor, "component.create", component, f"Created component {name}")
    bump_page_version()
    return component


def update_component(actor: User | None, component: Component, **values) -> Component:
    """Edit a component's details (not its status: see ``set_component_status``)."""
    unknown = set(values) - set(COMPONENT_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown component fields: {', '.join(sorted(unknown))}.")
    if "name" in values:
        values["name"] = _clean_name(values["name"], "component")
        _unique_name(Component, values["name"], component.id, "component")
    _validate_component(values)
    _clean_sla(values, component)
    changes = audit.diff(component, values)
    if changes:
        audit.record(actor, "component.update", component, f"Edited {component.name}", changes)
        if "name" in changes:
            refresh_effective_statuses(utcnow())  # reasons name their dependencies
        bump_page_version()
    return component


def delete_component(actor: User | None, component: Component) -> None:
    audit.record(actor, "component.delete", component, f"Deleted component {component.name}")
    db.session.delete(component)
    db.session.flush()
    refresh_effective_statuses(utcnow())
    bump_page_version()


def own_status(component: Component) -> str:
    """The component's own status: what staff set, made worse by its worst present
    signal, unless staff set a status by hand since the signal came (then theirs wins
    until they hand the component back to its signals)."""
    if component.signal_held:
        return component.staff_status
    return max(component.staff_status, component.signal_status, key=STATUS_SEVERITY.__getitem__)


def set_component_status(
    actor: User | None,
    component: Component,
    status: str,
    at: datetime | None = None,
    note: str = "",
) -> bool:
    """Set a component's status by hand (staff, the API, the workflow). Returns whether
    the status shown changed.

    While a signal claims the component, a status set by hand wins over it until
    ``follow_signals``. Dependents' effective statuses follow, and every effective
    change is recorded in the status history, from which uptime is computed.
    """
    _check_choice(status, COMPONENT_STATUSES, "Status", "status")
    component.staff_status = status
    if component.signal_status != "operational":
        component.signal_held = True
    return _apply_own_status(actor, component, at, note)


def set_signal_status(component: Component, status: str, at: datetime | None, note: str) -> bool:
    """Record the worst status the component's signals claim (``operational`` when none
    does) and apply it unless staff hold the component. Returns whether the status
    shown changed."""
    _check_choice(status, COMPONENT_STATUSES, "Status", "status")
    component.signal_status = status
    if status == "operational" and component.staff_status == "operational":
        component.signal_held = False  # nothing left to override
    return _apply_own_status(None, component, at, note)


def follow_signals(actor: User | None, component: Component) -> bool:
    """Hand a component held by staff back to its signals."""
    if not component.signal_held:
        return False
    component.signal_held = False
    # Staff's hand-set status goes; what open incidents set on the component stays.
    held_by_incidents = db.session.scalars(
        select(IncidentComponent.status)
        .join(Incident, Incident.id == IncidentComponent.incident_id)
        .where(IncidentComponent.component_id == component.id, Incident.status != "resolved")
    ).all()
    component.staff_status = max(
        ["operational", *held_by_incidents], key=STATUS_SEVERITY.__getitem__
    )
    audit.record(
        actor, "component.follow_signals", component, f"{component.name}: follows its signals again"
    )
    return _apply_own_status(actor, component, None, "signals")


def _apply_own_status(actor: User | None, component: Component, at, note: str) -> bool:
    status = own_status(component)
    if component.status == status:
        return False
    at = at or utcnow()
    old = component.status
    component.status = status
    refresh_effective_statuses(at)
    audit.record(
        actor,
        "component.status",
        component,
        f"{component.name}: {STATUS_LABELS[old]} → {STATUS_LABELS[status]}"
        + (f" ({note})" if note else ""),
        {"status": [old, status]},
    )
    # A team told all-clear may no longer be all operational: the notifier asks again.
    notify(ComponentStatusChanged(component, status, at))
    bump_page_version()
    return True


def _reaches(start_id: int, target_id: int) -> bool:
    """Whether ``start_id`` depends, directly or not, on ``target_id``."""
    edges = db.session.execute(
        select(ComponentDependency.component_id, ComponentDependency.depends_on_id)
    ).all()
    needs: dict[int, list[int]] = {}
    for component_id, depends_on_id in edges:
        needs.setdefault(component_id, []).append(depends_on_id)
    seen, stack = set(), [start_id]
    while stack:
        current = stack.pop()
        if current == target_id:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(needs.get(current, ()))
    return False


def add_dependency(
    actor: User | None, component: Component, depends_on: Component, kind: str = "hard"
) -> ComponentDependency:
    """Record that ``component`` needs ``depends_on``; a cycle is refused."""
    _check_choice(kind, DEPENDENCY_KINDS, "Dependency kind", "kind")
    if component.id == depends_on.id:
        raise Conflict(f"{component.name} cannot depend on itself.")
    existing = db.session.scalar(
        select(ComponentDependency).where(
            ComponentDependency.component_id == component.id,
            ComponentDependency.depends_on_id == depends_on.id,
        )
    )
    if existing is not None:
        raise Conflict(f"{component.name} already depends on {depends_on.name}.")
    if _reaches(depends_on.id, component.id):
        raise Conflict(
            f"{depends_on.name} already depends on {component.name}, directly or through "
            f"other components; adding this would make a cycle."
        )
    dependency = ComponentDependency(
        component_id=component.id, depends_on_id=depends_on.id, kind=kind
    )
    db.session.add(dependency)
    db.session.flush()
    refresh_effective_statuses(utcnow())
    audit.record(
        actor,
        "dependency.add",
        component,
        f"{component.name} depends on {depends_on.name} ({kind})",
    )
    bump_page_version()
    return dependency


def remove_dependency(actor: User | None, dependency: ComponentDependency) -> None:
    component, depends_on = dependency.component, dependency.depends_on
    db.session.delete(dependency)
    db.session.flush()
    refresh_effective_statuses(utcnow())
    audit.record(
        actor,
        "dependency.remove",
        component,
        f"{component.name} no longer depends on {depends_on.name}",
    )
    bump_page_version()
