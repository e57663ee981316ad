"""Signals about what an open incident already covers: a vendor's change, an alert or a
surge of mentions naming components that an open (not resolved) incident lists is kept
on that incident ("signal seen" on its internal page) and told to the incident team
once, instead of a second suggested incident for the same trouble. Components no open
incident covers are still suggested (app.signals.suggestions). When its source stops
claiming them the signal is marked cleared (app.signals.backing), and seen again it is
active again; neither tells the team a second time.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models import Incident, IncidentComponent, IncidentSignal
from app.notifier.events import SignalSeen
from app.notifier.notifier import notify
from app.status.version import bump_page_version
from core import audit
from core.db import db
from core.time import utcnow


def covering_incidents(component_ids) -> dict[Incident, set[int]]:
    """The open incidents that list any of ``component_ids``, each with those it lists."""
    ids = {int(cid) for cid in component_ids}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Incident, IncidentComponent.component_id)
        .join(IncidentComponent, IncidentComponent.incident_id == Incident.id)
        .where(Incident.status != "resolved", IncidentComponent.component_id.in_(ids))
        .order_by(Incident.id)
    ).all()
    covering: dict[Incident, set[int]] = {}
    for incident, component_id in rows:
        covering.setdefault(incident, set()).add(component_id)
    return covering


def attach(
    incident: Incident,
    origin: str,
    key: str,
    *,
    name: str,
    component_statuses: dict[int, str],
    facts: str,
    link: str = "",
) -> IncidentSignal:
    """Keep the signal on ``incident``; the incident team is told when it is new. A later
    call with the same key (the source says it again, or again after it cleared) updates
    its words and time and makes it active again, without telling again."""
    now = utcnow()
    statuses = {str(cid): status for cid, status in component_statuses.items()}
    found = _find(incident, key)
    if found is not None:
        _update(found, name, statuses, facts, link, now)
        return found
    signal = IncidentSignal(
        incident_id=incident.id,
        origin=origin,
        key=key[:200],
        name=name[:200],
        component_statuses=statuses,
        facts=facts[:10_000],
        link=link[:2048],
        first_seen_at=now,
        last_seen_at=now,
    )
    db.session.flush()  # everything before it, outside the savepoint
    try:
        with db.session.begin_nested():
            db.session.add(signal)
    except IntegrityError:
        # The same signal attached meanwhile by another delivery: that one told the team.
        found = _find(incident, key)
        if found is None:
            raise
        _update(found, name, statuses, facts, link, now)
        return found
    audit.record(
        None,
        "incident.signal",
        incident,
        f"Signal seen on the open incident {incident.name}: {signal.name} ({origin}); "
        "no second incident was suggested",
    )
    bump_page_version()  # the incident's internal page lists it
    notify(SignalSeen(signal, incident))
    return signal


def _find(incident: Incident, key: str) -> IncidentSignal | None:
    return db.session.scalar(
        select(IncidentSignal).where(
            IncidentSignal.incident_id == incident.id, IncidentSignal.key == key[:200]
        )
    )


def _update(signal: IncidentSignal, name: str, statuses: dict, facts: str, link: str, now):
    signal.name = name[:200]
    signal.component_statuses = {**(signal.component_statuses or {}), **statuses}
    signal.facts = facts[:10_000]
    signal.link = link[:2048]
    signal.last_seen_at = now
    if signal.cleared_at is not None:
        signal.cleared_at = None
        bump_page_version()  # its pages said "cleared"


def signals_on(incident: Incident) -> list[IncidentSignal]:
    """The signals kept on ``incident``, the latest first."""
    return list(
        db.session.scalars(
            select(IncidentSignal)
            .where(IncidentSignal.incident_id == incident.id)
            .order_by(IncidentSignal.last_seen_at.desc(), IncidentSignal.id.desc())
        )
    )
