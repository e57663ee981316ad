"""What keeps a suggested incident true: the claims of the source that made it.

A vendor's suggestion (key ``vendor:<source id>:…``) stands on the claims of
``vendor:<source id>``; an alert's (key ``alert:<integration id>:<alert name>``) on the
claims of the alerts of that name that still count. When those claims are withdrawn
(the alert resolved and settled, the vendor recovered, the integration was revoked, the
source was deleted or unmapped) the signal has cleared: its open suggestions close by
themselves, and declaring one would re-apply a status nobody claims any more, so it is
refused. The same signal kept on an open incident ("Signals seen") is marked cleared,
with the time, and nobody is told (a closing suggestion tells nobody either). A
listening suggestion claims nothing (mentions are not a status), so it is never closed
here; staff decide on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.models import (
    Alert,
    ComponentSignal,
    Incident,
    IncidentSignal,
    Integration,
    SuggestedIncident,
)
from app.status.version import bump_page_version
from core import audit
from core.db import db
from core.time import utcnow
from core.vocab import STATUS_SEVERITY

CLAIMING_ORIGINS = ("vendor", "alert")
CLEARED_NOTE = "the signal has cleared"


def alert_key(alert: Alert) -> str:
    """The suggestion key of an alert: one open suggestion per integration and alert
    name (every instance of the alert stands behind it)."""
    return f"alert:{alert.integration_id}:{alert.name or alert.fingerprint}"[:200]


def sources_of(suggestion: SuggestedIncident | IncidentSignal) -> set[str]:
    """The claim sources that back ``suggestion`` (or a signal kept on an incident, keyed
    the same way) now (empty once its signal is gone)."""
    kind, _, rest = (suggestion.key or "").partition(":")
    ident = rest.split(":", 1)[0]
    if suggestion.origin == "vendor" and kind == "vendor" and ident:
        return {f"vendor:{ident}"}
    if suggestion.origin == "alert" and kind == "alert" and ident.isdigit():
        integration = db.session.get(Integration, int(ident))
        if integration is None or integration.revoked_at is not None:
            return set()
        counting = db.session.scalars(
            select(Alert).where(Alert.integration_id == integration.id, Alert.counts.is_(True))
        )
        return {f"alert:{a.id}" for a in counting if alert_key(a) == suggestion.key}
    return set()


def claimed_now(suggestion: SuggestedIncident | IncidentSignal) -> dict[int, str]:
    """The suggestion's components its source still claims, each with the worst status
    the source claims on it now (which may differ from what it said when it suggested)."""
    ids = [int(cid) for cid in (suggestion.component_statuses or {})]
    sources = sources_of(suggestion)
    if not ids or not sources:
        return {}
    rows = db.session.scalars(
        select(ComponentSignal).where(
            ComponentSignal.component_id.in_(ids), ComponentSignal.source.in_(sources)
        )
    )
    worst: dict[int, str] = {}
    for row in rows:
        known = worst.get(row.component_id)
        if known is None or STATUS_SEVERITY[row.status] > STATUS_SEVERITY[known]:
            worst[row.component_id] = row.status
    return worst


def has_cleared(suggestion: SuggestedIncident | IncidentSignal) -> bool:
    """Whether the signal behind a vendor's or an alert's suggestion is gone: none of its
    components is still claimed by its source (for one without components, no alert of
    its name still counts)."""
    if suggestion.origin not in CLAIMING_ORIGINS:
        return False
    if suggestion.component_statuses:
        return not claimed_now(suggestion)
    return not sources_of(suggestion)


def _backed_by(source: str, model):
    """The rows of ``model`` (suggestions or signals kept on incidents) whose key
    ``source`` may back, as a condition; None when it backs none."""
    kind, _, ident = source.partition(":")
    if kind == "vendor" and ident:
        return (model.origin == kind) & model.key.startswith(f"vendor:{ident}:", autoescape=True)
    if kind == "alert" and ident.isdigit():
        alert = db.session.get(Alert, int(ident))
        if alert is not None:
            return (model.origin == kind) & (model.key == alert_key(alert))
    return None


def close_cleared(source: str, at: datetime | None = None) -> list[SuggestedIncident]:
    """After ``source`` withdrew a claim: dismiss (by nobody, audited) the open
    suggestions it backed whose signal has cleared, so the dashboard lists only live
    ones, and mark the signals it kept on incidents cleared. Returns the suggestions
    closed."""
    at = at or utcnow()
    condition = _backed_by(source, SuggestedIncident)
    if condition is None:
        return []
    _mark_signals_cleared(_backed_by(source, IncidentSignal), at)
    query = select(SuggestedIncident).where(SuggestedIncident.state == "open", condition)
    closed = []
    for suggestion in db.session.scalars(query).all():
        if not has_cleared(suggestion):
            continue
        suggestion.state = "dismissed"
        suggestion.decided_by_id = None
        suggestion.decided_at = at
        audit.record(
            None,
            "suggestion.dismiss",
            None,
            f"Dismissed the suggested incident {suggestion.name} ({suggestion.origin}): "
            f"{CLEARED_NOTE}",
        )
        closed.append(suggestion)
    return closed


def _mark_signals_cleared(condition, at: datetime) -> None:
    """Signals kept on incidents whose source no longer claims any of their components:
    "cleared" with the time on the incident's pages (audited). The incident team is not
    told: the signal was news when it came; its clearing changes nothing they stated."""
    query = select(IncidentSignal).where(IncidentSignal.cleared_at.is_(None), condition)
    cleared = [signal for signal in db.session.scalars(query).all() if has_cleared(signal)]
    for signal in cleared:
        signal.cleared_at = at
        incident = db.session.get(Incident, signal.incident_id)
        audit.record(
            None,
            "incident.signal_cleared",
            incident,
            f"Signal cleared on the incident {incident.name}: {signal.name} ({signal.origin})",
        )
    if cleared:
        bump_page_version()  # the incident's internal page shows it cleared


def reopen_claimed(source: str) -> None:
    """After ``source`` made a new claim: the signals it keeps on incidents that were
    marked cleared and that it claims again are active again (nobody is told again)."""
    condition = _backed_by(source, IncidentSignal)
    if condition is None:
        return
    query = select(IncidentSignal).where(IncidentSignal.cleared_at.is_not(None), condition)
    reopened = [signal for signal in db.session.scalars(query).all() if not has_cleared(signal)]
    for signal in reopened:
        signal.cleared_at = None
    if reopened:
        bump_page_version()
