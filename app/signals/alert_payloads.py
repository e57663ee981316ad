"""Reading alert payloads: Alertmanager's (and Grafana's) webhook body and the generic
monitor webhook's, checked in full and turned into ``Incoming`` alerts.

Nothing here writes: a payload is read whole before app/signals/alerts.py applies any of
it, so a bad payload changes nothing and answers 400 with what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from app.models import Integration
from app.signals.integrations import status_for_severity
from core.errors import ServiceError
from core.vocab import COMPONENT_STATUSES

COMPONENT_LABEL = "herald_component"
VERSIONS = ("4", "1")  # Alertmanager's webhook; Grafana's contact point says "1"
MAX_ALERTS = 1000
MAX_LABELS = 100
MAX_VALUE = 10_000
MAX_FINGERPRINT = 200
MAX_URL = 2048
RESOLVED_WORDS = ("resolved", "operational", "ok", "up")


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
            raise BadAlert(f"{where}.{key} must be a string.", f"{where}.{key}")
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
            raise BadAlert(f"{where} must be an object.", where)
        status = alert.get("status")
        if status not in ("firing", "resolved"):
            raise BadAlert(
                f"{where}.status must be firing or resolved, not {status!r}.", f"{where}.status"
            )
        labels = _strings(alert.get("labels"), f"{where}.labels")
        annotations = _strings(alert.get("annotations"), f"{where}.annotations")
        fingerprint = alert.get("fingerprint") or _fingerprint_of(labels)
        if not isinstance(fingerprint, str) or len(fingerprint) > MAX_FINGERPRINT:
            raise BadAlert(
                f"{where}.fingerprint must be a string of at most {MAX_FINGERPRINT} characters.",
                f"{where}.fingerprint",
            )
        url = alert.get("generatorURL") or ""
        if not isinstance(url, str) or len(url) > MAX_URL:
            raise BadAlert(f"{where}.generatorURL must be a URL string.", f"{where}.generatorURL")
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
