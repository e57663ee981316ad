"""Monitoring alerts in: Alertmanager's (and Grafana's) webhook and the generic monitor
webhook, turned into claims on components.

Everything a payload says is checked before anything is written, so a bad payload
changes nothing. An alert is kept by its sender's fingerprint: a repeated delivery
finds the same row unchanged. An alert *counts* (claims its component) only once it
has fired for the integration's minimum firing time, and stops counting only once it
has been resolved for the minimum clear time: a flapping alert does not flap the page.
The periodic job ``settle`` moves alerts across those thresholds as time passes; a
delivery settles its own alerts at once (so a minimum of 0 acts immediately).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.models import Alert, AlertRule, Component, ComponentSignal, Integration
from app.signals.backing import alert_key
from app.signals.claims import claim, withdraw_source
from app.signals.integrations import rule_matches, status_for_severity, touch
from app.signals.suggestions import suggest
from core.db import db
from core.errors import ServiceError
from core.time import utcnow
from core.vocab import COMPONENT_STATUSES

COMPONENT_LABEL = "herald_component"
VERSIONS = ("4", "1")  # Alertmanager's webhook; Grafana's contact point says "1"
MAX_ALERTS = 1000
MAX_LABELS = 100
MAX_VALUE = 10_000
MAX_FINGERPRINT = 200
MAX_URL = 2048
SETTLE_BATCH = 500
RESOLVED_WORDS = ("resolved", "operational", "ok", "up")
IMPACT_OF = {
    "major_outage": "major",
    "partial_outage": "major",
    "degraded_performance": "minor",
    "under_maintenance": "minor",
}


class BadAlert(ServiceError):
    """A payload Herald will not read; the message names what is wrong (answers 400)."""


@dataclass(frozen=True)
class Incoming:
    """One alert as checked, before anything is written."""

    fingerprint: str
    firing: bool
    labels: dict
    annotations: dict
    starts_at: datetime | None
    ends_at: datetime | None
    generator_url: str
    status: str | None = None  # the monitor webhook names its status; else the severity


# Reading payloads ------------------------------------------------------------------------


def _strings(value, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadAlert(f"{where} must be an object of strings.", where)
    if len(value) > MAX_LABELS:
        raise BadAlert(f"{where} has more than {MAX_LABELS} members.", where)
    for key, item in value.items():
        if not isinstance(item, str):
            raise BadAlert(f"{where}.{key} must be a string.", where)
        if len(key) > 200 or len(item) > MAX_VALUE:
            raise BadAlert(f"{where}.{key[:50]} is too long.", where)
    return dict(value)


def _time(value, where: str) -> datetime | None:
    """RFC 3339 (nanoseconds allowed); Alertmanager's zero time means none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise BadAlert(f"{where} must be an RFC 3339 time string.", where)
    if value.startswith("0001-01-01"):
        return None
    text = value.strip()
    # Python reads at most microseconds: cut nanoseconds down to six digits.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadAlert(f"{where} is not an RFC 3339 time: {value[:40]!r}.", where) from None
    if parsed.tzinfo is None:
        raise BadAlert(f"{where} has no UTC offset: {value[:40]!r}.", where)
    return parsed


def _fingerprint_of(labels: dict) -> str:
    """For a sender that names none: a hash of the sorted labels, as Alertmanager does."""
    text = json.dumps(labels, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_alertmanager(payload) -> list[Incoming]:
    """Alertmanager's webhook body (``version`` "4") or Grafana's (``version`` "1"):
    ``alerts[]`` with ``status``, ``labels``, ``annotations``, ``startsAt``, ``endsAt``,
    ``fingerprint``, ``generatorURL``. Other members are read as optional."""
    if not isinstance(payload, dict):
        raise BadAlert("The body must be a JSON object with an alerts array.")
    version = payload.get("version")
    if version is not None and version not in VERSIONS:
        raise BadAlert(
            f'Unknown webhook version {version!r}: Herald reads Alertmanager\'s "4" and '
            'Grafana\'s "1".',
            "version",
        )
    if payload.get("status") not in (None, "firing", "resolved"):
        raise BadAlert("status must be firing or resolved.", "status")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise BadAlert("alerts must be an array of alerts.", "alerts")
    if len(alerts) > MAX_ALERTS:
        raise BadAlert(f"At most {MAX_ALERTS} alerts per delivery.", "alerts")
    read = []
    for number, alert in enumerate(alerts):
        where = f"alerts[{number}]"
        if not isinstance(alert, dict):
            raise BadAlert(f"{where} must be an object.", "alerts")
        status = alert.get("status")
        if status not in ("firing", "resolved"):
            raise BadAlert(f"{where}.status must be firing or resolved, not {status!r}.", "alerts")
        labels = _strings(alert.get("labels"), f"{where}.labels")
        annotations = _strings(alert.get("annotations"), f"{where}.annotations")
        fingerprint = alert.get("fingerprint") or _fingerprint_of(labels)
        if not isinstance(fingerprint, str) or len(fingerprint) > MAX_FINGERPRINT:
            raise BadAlert(
                f"{where}.fingerprint must be a string of at most {MAX_FINGERPRINT} characters.",
                "alerts",
            )
        url = alert.get("generatorURL") or ""
        if not isinstance(url, str) or len(url) > MAX_URL:
            raise BadAlert(f"{where}.generatorURL must be a URL string.", "alerts")
        if url and not url.lower().startswith(("http://", "https://")):
            url = ""  # shown as a link: only web addresses
        read.append(
            Incoming(
                fingerprint=fingerprint,
                firing=status == "firing",
                labels=labels,
                annotations=annotations,
                starts_at=_time(alert.get("startsAt"), f"{where}.startsAt"),
                ends_at=_time(alert.get("endsAt"), f"{where}.endsAt"),
                generator_url=url,
            )
        )
    return read


MONITOR_FIELDS = ("id", "component", "status", "summary")


def read_monitor(integration: Integration, body) -> Incoming:
    """``{"id", "component", "status", "summary"}``: ``status`` is a component status
    (``operational`` resolves), ``resolved``/``ok``/``up``, ``firing``, or a severity of
    the integration's map."""
    if not isinstance(body, dict):
        raise BadAlert('The body must be a JSON object {"id", "component", "status", "summary"}.')
    unknown = sorted(set(body) - set(MONITOR_FIELDS))
    if unknown:
        raise BadAlert(
            f"Unknown field {unknown[0]!r}; the monitor webhook takes {', '.join(MONITOR_FIELDS)}.",
            unknown[0],
        )
    ident = body.get("id")
    if not isinstance(ident, str) or not ident.strip() or len(ident) > MAX_FINGERPRINT:
        raise BadAlert(
            f"'id' is required: a string of 1 to {MAX_FINGERPRINT} characters naming the check.",
            "id",
        )
    component = body.get("component")
    if component is not None and (not isinstance(component, str) or len(component) > 200):
        raise BadAlert("'component' must be a component's id or name.", "component")
    summary = body.get("summary") or ""
    if not isinstance(summary, str) or len(summary) > MAX_VALUE:
        raise BadAlert(f"'summary' must be a string of at most {MAX_VALUE} characters.", "summary")
    status = body.get("status")
    if not isinstance(status, str) or not status.strip():
        raise BadAlert("'status' is required.", "status")
    word = status.strip().lower()
    mapping = integration.severity_map or {}
    if word in RESOLVED_WORDS:
        firing, claimed = False, None
    elif word in COMPONENT_STATUSES:
        firing, claimed = True, word
    elif word in mapping:
        firing, claimed = True, mapping[word]
    elif word in ("firing", "down", "problem"):
        firing, claimed = True, status_for_severity(integration, "")
    else:
        raise BadAlert(
            f"'status' {status[:40]!r} is not a status ({', '.join(COMPONENT_STATUSES)}), "
            "resolved, firing, or a severity of this integration.",
            "status",
        )
    labels = {"alertname": ident.strip(), "monitor": ident.strip()}
    if component:
        labels[COMPONENT_LABEL] = component
    if word in mapping:
        labels["severity"] = word
    return Incoming(
        fingerprint=ident.strip(),
        firing=firing,
        labels=labels,
        annotations={"summary": summary} if summary else {},
        starts_at=None,
        ends_at=None,
        generator_url="",
        status=claimed,
    )


# Finding the component -------------------------------------------------------------------


def component_named(value: str) -> Component | None:
    """A ``herald_component`` label: a component's database id, public id or name."""
    value = (value or "").strip()
    if not value:
        return None
    found = db.session.scalar(select(Component).where(Component.public_id == value))
    if found is None:
        found = db.session.scalar(select(Component).where(Component.name == value))
    if found is None and value.isdigit() and len(value) < 19:
        found = db.session.get(Component, int(value))
    if found is None:
        lowered = value.casefold()
        for candidate in db.session.scalars(select(Component)):
            if candidate.name.casefold() == lowered:
                return candidate
    return found


def component_for(integration: Integration, labels: dict, rules: list[AlertRule]) -> int | None:
    """The ``herald_component`` label wins; then the first matching rule; else none
    (the alert is kept and shown as unmatched)."""
    if labels.get(COMPONENT_LABEL):
        found = component_named(labels[COMPONENT_LABEL])
        if found is not None:
            return found.id
    for rule in rules:
        if rule_matches(rule, labels):
            return rule.component_id
    return None


# Ingesting -------------------------------------------------------------------------------


def ingest_alertmanager(integration: Integration, payload, now: datetime | None = None) -> int:
    """Take an Alertmanager or Grafana delivery; returns how many alerts it carried."""
    incoming = read_alertmanager(payload)
    return _ingest(integration, incoming, now or utcnow())


def ingest_monitor(integration: Integration, body, now: datetime | None = None) -> int:
    """Take a monitor webhook body (one check's state); returns 1."""
    return _ingest(integration, [read_monitor(integration, body)], now or utcnow())


def _ingest(integration: Integration, incoming: list[Incoming], now: datetime) -> int:
    rules = list(
        db.session.scalars(
            select(AlertRule)
            .where(AlertRule.integration_id == integration.id)
            .order_by(AlertRule.position, AlertRule.id)
        )
    )
    fingerprints = {item.fingerprint for item in incoming}
    known = {
        alert.fingerprint: alert
        for alert in db.session.scalars(
            select(Alert).where(
                Alert.integration_id == integration.id, Alert.fingerprint.in_(fingerprints)
            )
        )
    }
    _lock_components(
        {component_for(integration, item.labels, rules) for item in incoming}
        | {alert.component_id for alert in known.values()}
    )
    for item in incoming:
        alert = _upsert(integration, known.get(item.fingerprint), item, rules, now)
        known[item.fingerprint] = alert
        evaluate(alert, integration, now)
    touch(integration)
    return len(incoming)


def _lock_components(ids: set[int | None]) -> None:
    """Lock the components a delivery may claim, in id order, before any claim, when it
    names more than one. A claim writes its component and then the page version; two
    deliveries claiming overlapping components one by one would take those locks in
    crossed orders and deadlock (PostgreSQL; SQLite writes one transaction at a time)."""
    wanted = sorted(i for i in ids if i is not None)
    # One component cannot be taken in a crossed order; locking it up front would only
    # make every delivery about it wait for the one before, even those that change
    # nothing (most deliveries repeat what is already known).
    if len(wanted) > 1:
        db.session.execute(
            select(Component.id)
            .where(Component.id.in_(wanted))
            .order_by(Component.id)
            .with_for_update()
        ).all()


def _upsert(integration, alert, item: Incoming, rules, now: datetime) -> Alert:
    status = item.status or status_for_severity(integration, item.labels.get("severity", ""))
    name = (item.labels.get("alertname") or item.fingerprint)[:200]
    summary = item.annotations.get("summary") or item.annotations.get("description") or ""
    component_id = component_for(integration, item.labels, rules)
    starts_at = min(item.starts_at or now, now)
    if alert is None:
        alert = Alert(
            integration_id=integration.id,
            fingerprint=item.fingerprint,
            counts=False,
            first_seen_at=now,
            last_seen_at=now,
        )
    fields = {}
    values = {
        "name": name,
        "summary": summary,
        "labels": item.labels,
        "annotations": item.annotations,
        "component_id": component_id,
        "status": status,
        "generator_url": item.generator_url,
    }
    if item.firing:
        if not alert.firing or alert.id is None:
            # Firing anew (or first seen): the minimum firing time runs from here,
            # unless it still counts from before (then nothing changes).
            values["starts_at"] = starts_at if not alert.counts else alert.starts_at
        values.update(firing=True, ends_at=None)
    else:
        if alert.firing or alert.id is None or alert.ends_at is None:
            values["ends_at"] = min(item.ends_at or now, now)
            if alert.id is None:
                values["starts_at"] = starts_at
        values["firing"] = False
    for field, value in values.items():
        if getattr(alert, field) != value:
            fields[field] = value
            setattr(alert, field, value)
    if fields and alert.id is not None:
        alert.last_seen_at = now
    if alert.id is not None:
        db.session.flush()
        return alert
    return _insert(alert, integration, item, rules, now)


def _insert(alert: Alert, integration, item: Incoming, rules, now: datetime) -> Alert:
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
        return _upsert(integration, existing, item, rules, now)
    return alert


# Settling --------------------------------------------------------------------------------


def evaluate(alert: Alert, integration: Integration, now: datetime) -> bool:
    """Move the alert across its thresholds if its time has come; keep a counting
    alert's claim up to date. Returns whether it started or stopped counting."""
    if integration.revoked_at is not None:
        return False
    if alert.firing and not alert.counts:
        if alert.starts_at + timedelta(seconds=integration.min_firing_seconds) <= now:
            alert.counts = True
            _claim(alert, now)
            _maybe_suggest(alert, integration)
            return True
        return False
    if not alert.firing and alert.counts:
        ended = alert.ends_at or now
        if ended + timedelta(seconds=integration.min_clear_seconds) <= now:
            alert.counts = False
            withdraw_source(f"alert:{alert.id}", now)
            return True
        return False
    if alert.counts:
        _claim(alert, now)
    return False


def _claim(alert: Alert, now: datetime) -> None:
    source = f"alert:{alert.id}"
    elsewhere = db.session.scalars(
        select(ComponentSignal.component_id).where(
            ComponentSignal.source == source, ComponentSignal.component_id != alert.component_id
        )
    ).all()
    if elsewhere:
        withdraw_source(source, now)
    if alert.component_id is None:
        return
    component = db.session.get(Component, alert.component_id)
    claim(
        component,
        source,
        alert.status,
        reason=f"Alert: {alert.name}",
        link=alert.generator_url,
        public=False,
        at=now,
    )


def _maybe_suggest(alert: Alert, integration: Integration) -> None:
    """Critical severity, or a tier-1 component: propose an incident (once per alert
    name while the proposal is open)."""
    if alert.status == "operational":
        return
    component = db.session.get(Component, alert.component_id) if alert.component_id else None
    critical = (alert.labels.get("severity") or "").lower() == "critical"
    if not critical and not (component is not None and component.tier == "tier1"):
        return
    facts = [
        f"{integration.name} alert {alert.name} is firing"
        + (f" on {component.name}." if component else " (no component matched)."),
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
    return sum(1 for alert, integration in rows if evaluate(alert, integration, now))


def recent_alerts(integration: Integration | None = None, limit: int = 100) -> list[Alert]:
    query = select(Alert).order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(limit)
    if integration is not None:
        query = query.where(Alert.integration_id == integration.id)
    return list(db.session.scalars(query))
