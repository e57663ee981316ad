"""Monitoring alerts in: Alertmanager's (and Grafana's) webhook and the generic monitor
webhook, turned into claims on components.

Everything a payload says is checked before anything is written, so a bad payload
changes nothing. An alert is kept by its sender's fingerprint: a repeated delivery
finds the same row unchanged. An alert *counts* (claims its component) only once it
has fired for the integration's minimum firing time, and stops counting only once it
has been resolved for the minimum clear time: a flapping alert does not flap the page.
``settle`` moves alerts across those thresholds and makes their claims: the periodic job
runs it as time passes, and a thread runs it just after each delivery that changed an
alert is answered (app/signals/alert_applier.py), so a minimum of 0 acts within
milliseconds while the delivery itself touches no component.

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

from app.models import Alert, Integration
from app.signals.alert_claims import (
    claims_of,
    in_place,
    lock_components,
    one_settler_at_a_time,
    reconcile,
    settle_claim,
    source_of,
)
from app.signals.alert_payloads import COMPONENT_LABEL, Incoming, read_alertmanager, read_monitor
from app.signals.alert_suggestions import propose
from app.signals.alert_targets import Targets, Unmatched
from app.signals.integration_credentials import touch
from app.signals.integrations import status_for_severity
from core.db import db
from core.time import utcnow

SETTLE_BATCH = 500


# Ingesting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """What a delivery came to: how many alerts it carried, and those that matched no
    component (by fingerprint, in the delivery's order) with why."""

    accepted: int
    unmatched: list[tuple[str, Unmatched]]
    moved: bool = False  # whether any alert changed, so that settling may have work


def ingest_alertmanager(
    integration: Integration, payload, now: datetime | None = None, *, settle_now: bool = True
) -> Ingested:
    """Take an Alertmanager or Grafana delivery; then settle, unless the caller settles
    later (the webhook, after answering: app/signals/alert_applier.py)."""
    return _settled(_ingest(integration, read_alertmanager(payload), now), now, settle_now)


def ingest_monitor(
    integration: Integration, body, now: datetime | None = None, *, settle_now: bool = True
) -> Ingested:
    """Take a monitor webhook body (one check's state); settled as above."""
    return _settled(_ingest(integration, [read_monitor(integration, body)], now), now, settle_now)


def _settled(ingested: Ingested, now: datetime | None, settle_now: bool) -> Ingested:
    if settle_now and ingested.moved:
        settle(now)
    return ingested


def _ingest(integration: Integration, incoming: list[Incoming], now: datetime | None) -> Ingested:
    """Write what the delivery changes about its alerts, nothing more: no component is
    locked or changed here. Most deliveries repeat what is known (Alertmanager re-sends
    a group at every ``group_interval``): an alert whose row would not change, that
    crosses no threshold and whose claim is in place is left alone, with no write.
    ``moved`` says whether any other was written, so that settling has work."""
    now = now or utcnow()
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
    for item in moving:
        before = known.get(item.fingerprint)
        was = before.component_id if before is not None else None
        alert = _upsert(integration, before, item, wanted, now)
        known[item.fingerprint] = alert
        if alert.counts and alert.component_id != was:
            propose(alert, integration)  # it counted already, toward another component
    touch(integration)
    unmatched = [
        (item.fingerprint, targets.why_unmatched(item.labels))
        for item in incoming
        if wanted[item.fingerprint] is None
    ]
    return Ingested(len(incoming), unmatched, moved=bool(moving))


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
        # A resolved delivery that names no status (a monitor's "resolved") keeps the one
        # the alert had: it still claims it until its clear time has passed.
        "status": item.status
        or (alert.status if not item.firing and alert.status else None)
        or status_for_severity(integration, item.labels.get("severity", "")),
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
        propose(alert, integration)
        return "start"
    if not alert.firing and alert.counts:
        if not _due(alert, integration, now):
            return None
        alert.counts = False
        return "stop"
    return "keep" if alert.counts else None


def settle(now: datetime | None = None) -> int:
    """The periodic job "alerts": alerts that have fired or been resolved long enough
    start or stop counting. Bounded per tick; returns how many moved."""
    now = now or utcnow()
    one_settler_at_a_time()
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


def retarget(integration: Integration, now: datetime | None = None) -> int:
    """After the integration's rules changed: work out again the component of each of its
    alerts that fires or still counts, so that a rule added for an unmatched alert acts
    at once rather than when its sender next repeats it (and a deleted rule's alerts give
    their component back). A counting alert that moved is proposed again (its suggestion
    names its new component, or it joins the open incident covering it) and its claim
    moved, or left to the periodic job when another delivery holds its components, as a
    delivery does. Returns how many alerts moved."""
    now = now or utcnow()
    if integration.revoked_at is not None:
        return 0
    live = list(
        db.session.scalars(
            select(Alert)
            .where(
                Alert.integration_id == integration.id,
                or_(Alert.firing.is_(True), Alert.counts.is_(True)),
            )
            .order_by(Alert.fingerprint)
        )
    )
    targets = Targets(integration, {(a.labels or {}).get(COMPONENT_LABEL, "") for a in live})
    moved = []
    for alert in live:
        wanted = targets.component_for(alert.labels or {})
        if wanted != alert.component_id:
            moved.append((alert, alert.component_id))
            alert.component_id = wanted
    if not moved:
        return 0
    db.session.flush()
    for alert, _ in moved:
        propose(alert, integration)
    touched = {alert.component_id for alert, _ in moved} | {was for _, was in moved}
    if lock_components(touched, wait=False):
        for alert, _ in moved:
            settle_claim(alert, "keep" if alert.counts else None, now)
    return len(moved)


def recent_alerts(integration: Integration | None = None, limit: int = 100) -> list[Alert]:
    query = select(Alert).order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(limit)
    if integration is not None:
        query = query.where(Alert.integration_id == integration.id)
    return list(db.session.scalars(query))
