"""Suggested incidents: what a signal proposes to declare. One open suggestion per key;
staff declare it (the usual declaration, pre-filled) or dismiss it."""

from __future__ import annotations

from sqlalchemy import select

from app.models import SuggestedIncident
from app.notifier.events import IncidentSuggested
from app.notifier.notifier import notify
from core.db import db
from core.time import utcnow


def open_suggestion(key: str) -> SuggestedIncident | None:
    return db.session.scalar(
        select(SuggestedIncident).where(
            SuggestedIncident.key == key, SuggestedIncident.state == "open"
        )
    )


def suggest(
    origin: str,
    key: str,
    *,
    name: str,
    impact: str,
    component_statuses: dict[int, str],
    facts: str,
    link: str = "",
) -> SuggestedIncident:
    """Propose an incident once per ``key`` while the last proposal is open; the incident
    team is alerted when it is new. A later call with the same key updates the open
    proposal's facts (the source said more) without alerting again."""
    existing = open_suggestion(key)
    statuses = {str(cid): status for cid, status in component_statuses.items()}
    if existing is not None:
        existing.facts, existing.link = facts[:10_000], link
        existing.component_statuses = statuses
        existing.component_ids = sorted(component_statuses)
        return existing
    suggestion = SuggestedIncident(
        origin=origin,
        key=key,
        name=name[:200],
        impact=impact,
        component_ids=sorted(component_statuses),
        component_statuses=statuses,
        facts=facts[:10_000],
        link=link,
        created_at=utcnow(),
    )
    db.session.add(suggestion)
    db.session.flush()
    notify(IncidentSuggested(suggestion))
    return suggestion
