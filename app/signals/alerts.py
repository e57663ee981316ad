"""Monitoring alerts in: Alertmanager's (and Grafana's) webhook and the generic monitor
webhook, turned into claims on components.

Everything a payload says is checked before anything is written, so a bad payload
changes nothing. An alert is kept by its sender's fingerprint: a repeated delivery
finds the same row unchanged. An alert *counts* (claims its component) only once it
has fired for the integration's minimum firing time, and stops counting only once it
has been resolved for the minimum clear time: a flapping alert does not flap the page.
The periodic job ``settle`` moves alerts across those thresholds as time passes; a
delivery settles its own alerts at once (so a minimum of 0 acts immediately), unless
another delivery holds the components it claims: then the job makes its claims within a
tick (app/signals/alert_claims.py).

An alert that matches no component is kept and answered 2xx like any other (a 4xx
would drop it in Alertmanager's log, a 5xx make it retry for ever), but the answer names
it with a hint (app/signals/alert_targets.py), and a critical one still proposes an
incident: a critical alert whose target is unknown needs a person all the more, so the
proposal says that its component label matched nothing and names the value.

The payloads themselves are read and checked in app/signals/alert_payloads.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.models import Alert, Component, Integration
from app.signals.alert_claims import (
    claims_of,
    in_place,
    lock_components,
    reconcile,
    settle_claim,
    source_of,
)
from app.signals.alert_payloads import COMPONENT_LABEL, Incoming, read_alertmanager, read_monitor
from app.signals.alert_targets import Targets, Unmatched, component_field, why_unmatched
from app.signals.backing import alert_key
from app.signals.integration_credentials import touch
from app.signals.integrations import status_for_severity
from app.signals.suggestions import suggest
from core.db import db
from core.time import utcnow

SETTLE_BATCH = 500
IMPACT_OF = {
    "major_outage": "major",
    "partial_outage": "major",
    "degraded_performance": "minor",
    "under_maintenance": "minor",
}


# Ingesting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """What a delivery came to: how many alerts it carried, and those that matched no
    component (by fingerprint, in the delivery's order) with why."""

    accepted: int
    unmatched: list[tuple[str, Unmatched]]


def ingest_alertmanager(integration: Integration, payload, now: datetime | None = None) -> Ingested:
    """Take an Alertmanager or Grafana delivery."""
    incoming = read_alertmanager(payload)
    return _ingest(integration, incoming, now or utcnow())


def ingest_monitor(integration: Integration, body, now: datetime | None = None) -> Ingested:
    """Take a monitor webhook body (one check's state)."""
    return _ingest(integration, [read_monitor(integration, body)], now or utcnow())


def _ingest(integration: Integration, incoming: list[Incoming], now: datetime) -> Ingested:
    """Most deliveries repeat what is known (Alertmanager re-sends a group at every
    ``group_interval``): an alert whose row would not change, that crosses no threshold
    and whose claim is in place is left alone, with no write and no lock. Only the
    others are written and settled."""
    targets = Targets(integration, {item.labels.get(COMPONENT_LABEL, "") for item in incoming})
    fingerprints = {item.fingerprint for item in incoming}
    known = {
        alert.fingerprint: alert
        for alert in db.session.scalars(
            select(Alert).where(
                Alert.integration_id == integration.id, Alert.fingerprint.in_(fingerprints)
            )
        )
    }
    wanted = {item.fingerprint: targets.component_for(item.labels) for item in incoming}
    held = claims_of([alert for alert in known.values() if alert.counts])
    # In fingerprint order: two deliveries of one group lock its alerts' rows in one order.
    moving = sorted(
        (
            item
            for item in incoming
            if not _unchanged(integration, known.get(item.fingerprint), item, wanted, held, now)
        ),
        key=lambda item: item.fingerprint,
    )
    claimed = {known[item.fingerprint].component_id for item in moving if item.fingerprint in known}
    # The alerts' own rows and any suggestion first, with no component locked: a new
    # critical alert's suggestion renders the incident team's notice, the costliest
    # step, and deliveries about the same components must not queue behind it.
    steps = []
    for item in moving:
        alert = _upsert(integration, known.get(item.fingerprint), item, wanted, now)
        known[item.fingerprint] = alert
        steps.append((alert, _advance(alert, integration, now)))
    # Components another delivery holds are not waited for: the periodic job makes
    # these claims within a tick (app/signals/alert_claims.py).
    if lock_components({wanted[item.fingerprint] for item in moving} | claimed, wait=False):
        for alert, step in steps:
            settle_claim(alert, step, now)
    touch(integration)
    unmatched = [
        (item.fingerprint, targets.why_unmatched(item.labels))
        for item in incoming
        if wanted[item.fingerprint] is None
    ]
    return Ingested(len(incoming), unmatched)


def _unchanged(integration, alert, item: Incoming, wanted, held, now: datetime) -> bool:
    """Whether this delivery of a known alert would change nothing at all."""
    if alert is None or _changes(integration, alert, item, wanted, now):
        return False
    if _due(alert, integration, now):
        return False
    return in_place(alert, held.get(source_of(alert), []))


def _changes(integration, alert: Alert, item: Incoming, wanted, now: datetime) -> dict:
    """The fields this delivery sets on ``alert`` (a new one: all of them)."""
    starts_at = min(item.starts_at or now, now)
    is_new = alert.id is None
    values = {
        "name": (item.labels.get("alertname") or item.fingerprint)[:200],
        "summary": item.annotations.get("summary") or item.annotations.get("description") or "",
        "labels": item.labels,
        "annotations": item.annotations,
        "component_id": wanted[item.fingerprint],
        "status": item.status or status_for_severity(integration, item.labels.get("severity", "")),
        "generator_url": item.generator_url,
    }
    if item.firing:
        if not alert.firing or is_new:
            # Firing anew (or first seen): the minimum firing time runs from here,
            # unless it still counts from before (then nothing changes).
            values["starts_at"] = starts_at if not alert.counts else alert.starts_at
        values.update(firing=True, ends_at=None)
    else:
        if alert.firing or is_new or alert.ends_at is None:
            values["ends_at"] = min(item.ends_at or now, now)
            if is_new:
                values["starts_at"] = starts_at
        values["firing"] = False
    return {field: value for field, value in values.items() if getattr(alert, field) != value}


def _upsert(integration, alert, item: Incoming, wanted, now: datetime) -> Alert:
    if alert is None:
        alert = Alert(
            integration_id=integration.id,
            fingerprint=item.fingerprint,
            counts=False,
            first_seen_at=now,
            last_seen_at=now,
        )
    fields = _changes(integration, alert, item, wanted, now)
    for field, value in fields.items():
        setattr(alert, field, value)
    if fields and alert.id is not None:
        alert.last_seen_at = now
    if alert.id is not None:
        db.session.flush()
        return alert
    return _insert(alert, integration, item, wanted, now)


def _insert(alert: Alert, integration, item: Incoming, wanted, now: datetime) -> Alert:
    """Write a first-seen alert. Two deliveries of one new alert can cross (a retry, or
    both replicas of an Alertmanager pair): the one that inserts second finds the row
    the other wrote and updates it, instead of answering 500."""
    db.session.flush()  # everything before it, outside the savepoint
    try:
        with db.session.begin_nested():
            db.session.add(alert)
    except IntegrityError:
        existing = db.session.scalar(
            select(Alert).where(
                Alert.integration_id == integration.id, Alert.fingerprint == item.fingerprint
            )
        )
        if existing is None:
            raise
        return _upsert(integration, existing, item, wanted, now)
    return alert


# Settling --------------------------------------------------------------------------------


def _due(alert: Alert, integration: Integration, now: datetime) -> bool:
    """Whether the alert's time to start or stop counting has come."""
    if alert.firing and not alert.counts:
        return alert.starts_at + timedelta(seconds=integration.min_firing_seconds) <= now
    if not alert.firing and alert.counts:
        ended = alert.ends_at or now
        return ended + timedelta(seconds=integration.min_clear_seconds) <= now
    return False


def evaluate(alert: Alert, integration: Integration, now: datetime) -> bool:
    """Move the alert across its thresholds if its time has come; keep a counting
    alert's claim up to date. Returns whether it started or stopped counting."""
    step = _advance(alert, integration, now)
    settle_claim(alert, step, now)
    return step in ("start", "stop")


def _advance(alert: Alert, integration: Integration, now: datetime) -> str | None:
    """The part of evaluating that locks no component: cross a threshold whose time has
    come (a new counting alert may propose an incident). Returns the claim step left:
    "start" or "stop" (a threshold crossed), "keep" (a counting alert's claim kept up to
    date) or None."""
    if integration.revoked_at is not None:
        return None
    if alert.firing and not alert.counts:
        if not _due(alert, integration, now):
            return None
        alert.counts = True
        _maybe_suggest(alert, integration)
        return "start"
    if not alert.firing and alert.counts:
        if not _due(alert, integration, now):
            return None
        alert.counts = False
        return "stop"
    return "keep" if alert.counts else None


def _maybe_suggest(alert: Alert, integration: Integration) -> None:
    """Critical severity, or a tier-1 component: propose an incident (once per alert
    name while the proposal is open). A critical alert that matched no component is
    proposed too (someone must find what is down), saying what it named."""
    if alert.status == "operational":
        return
    component = db.session.get(Component, alert.component_id) if alert.component_id else None
    critical = (alert.labels.get("severity") or "").lower() == "critical"
    if not critical and not (component is not None and component.tier == "tier1"):
        return
    facts = [
        f"{integration.name} alert {alert.name} is firing"
        + (f" on {component.name}." if component else f": {_unmatched_words(alert, integration)}."),
    ]
    for key in ("summary", "description"):
        if alert.annotations.get(key):
            facts.append(alert.annotations[key])
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
    if labels:
        facts.append(f"Labels: {labels}")
    suggest(
        "alert",
        alert_key(alert),
        name=(alert.annotations.get("summary") or f"Alert: {alert.name}")[:200],
        impact="critical"
        if critical and alert.status == "major_outage"
        else IMPACT_OF.get(alert.status, "minor"),
        component_statuses={component.id: alert.status} if component else {},
        facts="\n\n".join(facts),
        link=alert.generator_url,
    )


def _unmatched_words(alert: Alert, integration: Integration) -> str:
    """What an alert that matched no component named, with the closest names."""
    field = component_field(integration)
    names = db.session.scalars(select(Component.name).order_by(Component.id)).all()
    why = why_unmatched(alert.labels, names, field)
    if not why.value:
        return f"it names no component (no {field} given) and no rule of the integration matches it"
    named = f"{field} label" if field == COMPONENT_LABEL else field
    return f"its {named} “{why.value[:200]}” matched no component" + (
        f" (closest: {', '.join(why.closest)})" if why.closest else ""
    )


def settle(now: datetime | None = None) -> int:
    """The periodic job "alerts": alerts that have fired or been resolved long enough
    start or stop counting. Bounded per tick; returns how many moved."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Alert, Integration)
        .join(Integration, Integration.id == Alert.integration_id)
        .where(
            Integration.revoked_at.is_(None),
            or_(
                Alert.firing.is_(True) & Alert.counts.is_(False),
                Alert.firing.is_(False) & Alert.counts.is_(True),
            ),
        )
        .order_by(Alert.id)
        .limit(SETTLE_BATCH)
    ).all()
    moved = sum(1 for alert, integration in rows if evaluate(alert, integration, now))
    reconcile(now)
    return moved


def recent_alerts(integration: Integration | None = None, limit: int = 100) -> list[Alert]:
    query = select(Alert).order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(limit)
    if integration is not None:
        query = query.where(Alert.integration_id == integration.id)
    return list(db.session.scalars(query))
