""" "Signals seen" on an incident's internal page: what vendors, alerts and listening
feeds reported about components the incident already covered, kept there instead of a
second suggested incident (app.signals.incident_signals), each marked still active or
cleared (and when) while its source claims a status. Their words are text: Jinja
escapes them, and a link is kept only when it is a web address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.internal import bp
from app.models import Component, Incident
from app.signals.backing import CLAIMING_ORIGINS
from app.signals.incident_signals import signals_on
from app.status.stated import worse_than_stated
from core.db import db
from core.vocab import STATUS_LABELS

ORIGIN_WORDS = {"vendor": "vendor", "alert": "alert", "listening": "listening feed"}


@dataclass(frozen=True)
class SignalRow:
    name: str
    origin: str
    components: list[str]
    facts: str
    link: str
    first_seen_at: datetime
    last_seen_at: datetime
    # Only a vendor's or an alert's signal clears (its source stops claiming); a surge
    # of mentions claims nothing, so it has no state to show.
    clears: bool
    cleared_at: datetime | None


def _web_link(link: str) -> str:
    return link if link[:8].lower() == "https://" or link[:7].lower() == "http://" else ""


@bp.app_template_global("incident_signals")
def incident_signals(public_id: str) -> list[SignalRow]:
    incident = db.session.scalar(select(Incident).where(Incident.public_id == public_id))
    if incident is None:
        return []
    signals = signals_on(incident)
    ids = {int(cid) for s in signals for cid in (s.component_statuses or {})}
    names = dict(
        db.session.execute(select(Component.id, Component.name).where(Component.id.in_(ids))).all()
    )
    return [
        SignalRow(
            name=s.name,
            origin=ORIGIN_WORDS.get(s.origin, s.origin),
            components=[
                f"{names[int(cid)]}: {STATUS_LABELS[status].lower()}"
                for cid, status in sorted((s.component_statuses or {}).items())
                if int(cid) in names
            ],
            facts=s.facts,
            link=_web_link(s.link or ""),
            first_seen_at=s.first_seen_at,
            last_seen_at=s.last_seen_at,
            clears=s.origin in CLAIMING_ORIGINS,
            cleared_at=s.cleared_at,
        )
        for s in signals
    ]


@bp.app_template_global("signals_worse")
def signals_worse(public_id: str) -> list[str]:
    """Prompts for the incident team: components of this open incident that a signal
    holds worse than the incident states (app.status.stated)."""
    incident = db.session.scalar(select(Incident).where(Incident.public_id == public_id))
    return [w.prompt for w in worse_than_stated(incident)] if incident is not None else []
