"""Exporting subscribers as CSV, in the columns ``subscribers.csv_io`` imports, plus
``state``: an export imports again unchanged."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db
from core.directory import component_groups, components, teams
from subscribers.csv_io import FORMULA_START, PHONE, REQUIRED_COLUMNS, SEPARATOR
from subscribers.models import Audience, Subscriber
from subscribers.states import subscriptions

EXPORT_COLUMNS = (*REQUIRED_COLUMNS, "key_account", "name", "state")


def _safe(value: str) -> str:
    """A cell value a spreadsheet shows as text, never runs as a formula."""
    if value[:1] in FORMULA_START and not PHONE.fullmatch(value):
        return "'" + value
    return value


def export_rows(states: list[str] | tuple[str, ...] | None = None) -> str:
    """Every subscriber (or those in ``states``) as CSV, in the import's columns + state.
    Address-only rows (``subscribers.states``) are no subscription and are left out."""
    component_names, group_names, team_names = (
        dict(db.session.execute(select(d.c.id, d.c.name)).all())
        for d in (components, component_groups, teams)
    )
    query = (
        select(Subscriber)
        .join(Audience, Audience.id == Subscriber.audience_id)
        .options(selectinload(Subscriber.selections), selectinload(Subscriber.audience))
        .where(subscriptions())
        .order_by(Audience.priority, Audience.key, Subscriber.channel, Subscriber.address)
    )
    if states:
        query = query.where(Subscriber.state.in_(list(states)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for subscriber in db.session.scalars(query).yield_per(1000):
        names = (
            component_names.get(s.component_id) if s.component_id else group_names.get(s.group_id)
            for s in subscriber.selections
        )
        chosen = sorted(n for n in names if n)
        writer.writerow(
            [
                subscriber.channel,
                _safe(subscriber.address),
                subscriber.audience.key,
                _safe(SEPARATOR.join(chosen)),
                _safe(team_names.get(subscriber.team_id, "")),
                "yes" if subscriber.key_account else "no",
                _safe(subscriber.name or ""),
                subscriber.state,
            ]
        )
    return out.getvalue()
