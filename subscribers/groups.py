"""Subscriber groups: the subscribers matching an audience and a selection of components,
and the named, saved ones ("Payments – executives").

A group matches exactly whom a broadcast for that audience about those components would
reach (the selection clause is ``outbox.hears_about``, shared with the fan-out), so a
group's size is the number of messages such a broadcast would write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from core import audit
from core.audit import Actor
from core.db import db
from core.directory import components
from core.errors import Conflict, ServiceError
from subscribers.models import CHANNELS, Audience, SavedGroup, Subscriber
from subscribers.outbox import hears_about

PREVIEW_LIMIT = 100


def matching(audience: Audience, component_ids: list[int] | None):
    """The WHERE clause of a group: active subscribers of ``audience`` who hear about any
    of ``component_ids`` (no ids: every subscriber of the audience)."""
    clauses = [Subscriber.state == "active", Subscriber.audience_id == audience.id]
    if component_ids:
        clauses.append(hears_about(list(component_ids)))
    return and_(*clauses)


def counts_by_channel(condition) -> dict[str, int]:
    """How many subscribers match ``condition`` on each channel (every channel listed)."""
    counts = dict.fromkeys(CHANNELS, 0)
    counts.update(
        db.session.execute(
            select(Subscriber.channel, func.count()).where(condition).group_by(Subscriber.channel)
        ).all()
    )
    return counts


def group_counts(audience: Audience, component_ids: list[int] | None) -> dict[str, int]:
    """How many active subscribers the group has on each channel (every channel listed)."""
    return counts_by_channel(matching(audience, component_ids))


@dataclass
class Preview:
    """Who would receive a message: counts by channel and the first few people."""

    counts: dict[str, int]
    subscribers: list[Subscriber] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> int:
        return self.total - len(self.subscribers)


def preview_of(condition, limit: int = PREVIEW_LIMIT) -> Preview:
    """Counts by channel and the first ``limit`` subscribers of a WHERE clause (key
    accounts first, as the fan-out sends them)."""
    counts = counts_by_channel(condition)
    people = db.session.scalars(
        select(Subscriber)
        .where(condition)
        .options(selectinload(Subscriber.selections), selectinload(Subscriber.audience))
        .order_by(Subscriber.key_account.desc(), Subscriber.channel, Subscriber.address)
        .limit(max(0, limit))
    ).all()
    return Preview(counts, list(people))


def recipients_preview(
    audience: Audience, component_ids: list[int] | None, limit: int = PREVIEW_LIMIT
) -> Preview:
    """Who a message for ``audience`` about ``component_ids`` would go to."""
    return preview_of(matching(audience, component_ids), limit)


def _clean(name: str, audience: Audience | None, component_ids) -> tuple[str, list[int]]:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("A group needs a name.", "name")
    if len(name) > 120:
        raise ServiceError("A group name can be at most 120 characters.", "name")
    if audience is None:
        raise ServiceError("Choose the audience of the group.", "audience")
    ids = sorted({int(i) for i in component_ids or []})
    known = set(db.session.scalars(select(components.c.id).where(components.c.id.in_(ids))))
    if set(ids) - known:
        raise ServiceError("Some of the chosen components do not exist.", "components")
    return name, ids


def _unique(name: str, exclude_id: int | None) -> None:
    query = select(SavedGroup.id).where(func.lower(SavedGroup.name) == name.lower())
    if exclude_id is not None:
        query = query.where(SavedGroup.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(f"There is already a group called {name!r}.", "name")


def _describe(audience: Audience, ids: list[int]) -> str:
    if not ids:
        return f"{audience.name}, every component"
    names = db.session.scalars(
        select(components.c.name).where(components.c.id.in_(ids)).order_by(components.c.name)
    ).all()
    return f"{audience.name}, {', '.join(names)}"


def create_group(
    actor: Actor | None, name: str, audience: Audience | None, component_ids
) -> SavedGroup:
    """Save a named group; no components means every component."""
    name, ids = _clean(name, audience, component_ids)
    _unique(name, None)
    group = SavedGroup(name=name, audience_id=audience.id, component_ids=ids)
    db.session.add(group)
    db.session.flush()
    audit.record(
        actor, "saved_group.create", group, f"Saved group {name} ({_describe(audience, ids)})"
    )
    return group


def update_group(
    actor: Actor | None, group: SavedGroup, name: str, audience: Audience | None, component_ids
) -> SavedGroup:
    name, ids = _clean(name, audience, component_ids)
    _unique(name, group.id)
    changes = audit.diff(group, {"name": name, "audience_id": audience.id})
    if sorted(group.component_ids or []) != ids:
        changes["component_ids"] = [sorted(group.component_ids or []), ids]
        group.component_ids = ids
    if changes:
        db.session.flush()
        audit.record(actor, "saved_group.update", group, f"Edited group {name}", changes)
    return group


def delete_group(actor: Actor | None, group: SavedGroup) -> None:
    audit.record(actor, "saved_group.delete", group, f"Deleted group {group.name}")
    db.session.delete(group)
    db.session.flush()


def all_groups() -> list[SavedGroup]:
    return list(
        db.session.scalars(
            select(SavedGroup).options(selectinload(SavedGroup.audience)).order_by(SavedGroup.name)
        )
    )


def audiences() -> list[Audience]:
    """Every audience, most urgent first."""
    return list(db.session.scalars(select(Audience).order_by(Audience.priority, Audience.name)))
