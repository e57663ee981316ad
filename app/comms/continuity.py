"""Continuity across updates: a new fact sheet starts from the incident's last one, and
the lead sees, field by field, what changed since the last published update."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.comms.context import Facts
from app.models import Component, FactSheet, Incident
from app.status.entries import format_time
from app.timeutil import page_zone
from core.db import db
from core.vocab import INCIDENT_STATUS_LABELS, STATUS_LABELS

# The fact sheet's fields in the composer's order, with the composer's words.
FACT_LABELS = {
    "summary": "What is happening",
    "customer_impact": "Customer impact",
    "workaround": "Workaround",
    "eta": "Expected fix (ETA)",
    "next_update_at": "Next update",
    "technical_detail": "Technical detail",
}
TEXT_FACTS = ("summary", "customer_impact", "workaround", "technical_detail")
NOT_AFFECTED = "not in the update"
EMPTY = "(empty)"
_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Change:
    """One field that differs from the last published update. ``words`` marks a text
    field word by word: (``same`` | ``removed`` | ``added``, text)."""

    field: str
    label: str
    before: str
    after: str
    words: tuple[tuple[str, str], ...] = ()


def _live(sheet: FactSheet) -> bool:
    return not sheet.drafts or any(d.state != "discarded" for d in sheet.drafts)


def replaced_set(sheet: FactSheet) -> FactSheet | None:
    """The set ``sheet`` replaced: the newest earlier one never published whose drafts
    were not all discarded, drafted since the last published one (a set from before a
    publication was replaced then, not now: found by a new user, told each new set
    replaced one from the incident's first minutes)."""
    earlier = db.session.scalars(
        select(FactSheet)
        .where(FactSheet.incident_id == sheet.incident_id, FactSheet.id < sheet.id)
        .order_by(FactSheet.id.desc())
    )
    for other in earlier:
        if other.published_at is not None:
            return None
        if other.drafts and _live(other):
            return other
    return None


def last_fact_sheet(incident: Incident, *, published: bool = False) -> FactSheet | None:
    """The incident's newest fact sheet (one not discarded), or its newest published."""
    query = select(FactSheet).where(FactSheet.incident_id == incident.id)
    if published:
        query = query.where(FactSheet.published_at.is_not(None))
    sheets = db.session.scalars(query.order_by(FactSheet.created_at.desc(), FactSheet.id.desc()))
    return next((s for s in sheets if s.published_at is not None or _live(s)), None)


def carried_facts(incident: Incident) -> Facts | None:
    """The facts a new sheet starts from: the last sheet's (the lead edits what changed),
    or None before the first."""
    sheet = last_fact_sheet(incident)
    return Facts.of(sheet) if sheet is not None else None


def _when(moment: datetime | None) -> str:
    return format_time(moment, page_zone()) if moment else EMPTY


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """``after`` against ``before`` word by word, whitespace kept."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    parts: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            parts.append(("removed", "".join(old[a1:a2])))
        if b2 > b1:
            parts.append(("added", "".join(new[b1:b2])))
    return tuple(parts)


def _component_changes(before: dict[str, str], after: dict[Component, str]) -> list[Change]:
    now = {str(c.id): s for c, s in after.items()}
    ids = sorted({int(i) for i in (*before, *now)})
    names = {
        c.id: c.name for c in db.session.scalars(select(Component).where(Component.id.in_(ids)))
    }
    changes = []
    for cid in ids:
        old, new = before.get(str(cid)), now.get(str(cid))
        if old != new and cid in names:
            changes.append(
                Change(
                    f"component-{cid}",
                    names[cid],
                    STATUS_LABELS.get(old, NOT_AFFECTED),
                    STATUS_LABELS.get(new, NOT_AFFECTED),
                )
            )
    return changes


def changes_since_published(
    incident: Incident,
    *,
    status: str,
    impact: str,
    facts: Facts,
    components: dict[Component, str],
    before: FactSheet | None = None,
) -> list[Change] | None:
    """What these facts change against the last published update (or ``before``): the
    status, the impact, each fact and each component's status, in the composer's order.
    None when nothing was published yet."""
    last = before or last_fact_sheet(incident, published=True)
    if last is None:
        return None
    changes = []
    if status != last.status:
        labels = INCIDENT_STATUS_LABELS
        changes.append(Change("status", "Status", labels[last.status], labels.get(status, status)))
    if impact != last.impact:
        changes.append(Change("impact", "Impact", last.impact, impact))
    earlier = Facts.of(last)
    for name, label in FACT_LABELS.items():
        old, new = getattr(earlier, name), getattr(facts, name)
        if name in TEXT_FACTS:
            old, new = (old or "").strip(), (new or "").strip()
            if old != new:
                changes.append(Change(name, label, old or EMPTY, new or EMPTY, word_diff(old, new)))
        elif old != new:
            changes.append(Change(name, label, _when(old), _when(new)))
    return changes + _component_changes(last.components or {}, components)
