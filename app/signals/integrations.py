"""Monitoring integrations: who may send alerts, how their severities map to component
statuses, and which labels name which component.

An Alertmanager (or Grafana) integration authenticates with a bearer token that Herald
keeps only as a SHA-256 hash (it is shown once). A monitor integration signs its
requests with an HMAC secret; checking a signature needs the secret itself, so it is
kept encrypted with a key derived from the app's secret key (rotating SECRET_KEY
therefore means making monitor integrations again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import func, select

from app.models import Alert, AlertRule, Component, Integration, User
from app.models.signals import INTEGRATION_KINDS
from app.signals.claims import withdraw_source
from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ServiceError
from core.time import utcnow
from core.vocab import COMPONENT_STATUSES

TOKEN_SCHEME = {"alertmanager": "hrla", "monitor": "hrlm"}
SECRET_BYTES = 32
MAX_NAME = 120
MAX_MIN_SECONDS = 24 * 3600
MAX_MATCHERS = 20
MAX_RULES = 200
MAX_LABEL = 200
# "Alert: no change" in a severity map: the alert is kept and shown, but claims nothing.
NO_CHANGE = "operational"
DEFAULT_SEVERITY_MAP = {
    "critical": "major_outage",
    "warning": "degraded_performance",
    "info": NO_CHANGE,
}
# A severity the map does not name (or no severity label at all).
UNMAPPED_SEVERITY_STATUS = "degraded_performance"
# last_used_at is written at most this often: a busy sender does not make every
# delivery a write.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _fernet() -> Fernet:
    """The key for monitor secrets: HKDF of SECRET_KEY with a purpose label, so the
    session-signing key itself never encrypts anything."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"herald integration secrets v1"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(integration: Integration) -> str | None:
    """The monitor's secret, or None when it cannot be read (SECRET_KEY changed)."""
    if not integration.secret_encrypted:
        return None
    try:
        return _fernet().decrypt(integration.secret_encrypted.encode()).decode()
    except InvalidToken:
        return None


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("An integration needs a name.", "name")
    if len(name) > MAX_NAME:
        raise ServiceError(f"An integration name can be at most {MAX_NAME} characters.", "name")
    return name


def _seconds(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(f"{field} must be a whole number of seconds.", field)
    if not 0 <= value <= MAX_MIN_SECONDS:
        raise ServiceError(f"{field} must be from 0 to {MAX_MIN_SECONDS} seconds.", field)
    return value


def check_severity_map(value) -> dict[str, str]:
    """{"<severity label value>": "<component status>"}; ``operational`` means the
    alert changes no status."""
    if not isinstance(value, dict):
        raise ServiceError(
            'The severity map must map severities to statuses, {"critical": "major_outage"}.',
            "severity_map",
        )
    if len(value) > 50:
        raise ServiceError("The severity map can name at most 50 severities.", "severity_map")
    checked = {}
    for severity, status in value.items():
        if not isinstance(severity, str) or not severity.strip() or len(severity) > 50:
            raise ServiceError(
                "Each severity must be a non-empty string of at most 50 characters.",
                "severity_map",
            )
        if status not in COMPONENT_STATUSES:
            raise ServiceError(
                f"Severity {severity!r} maps to {status!r}, which is not a status "
                f"({', '.join(COMPONENT_STATUSES)}).",
                "severity_map",
            )
        checked[severity.strip().lower()] = status
    return checked


def status_for_severity(integration: Integration, severity: str) -> str:
    mapping = integration.severity_map or DEFAULT_SEVERITY_MAP
    return mapping.get((severity or "").strip().lower(), UNMAPPED_SEVERITY_STATUS)


def create_integration(
    actor: User | None,
    kind: str,
    name: str,
    severity_map: dict | None = None,
    min_firing_seconds: int = 60,
    min_clear_seconds: int = 60,
    *,
    plain: str | None = None,
) -> tuple[Integration, str]:
    """Make an integration. Returns it and its credential (a bearer token, or a monitor's
    signing secret), which is shown once. ``plain`` fixes the credential (the demo's,
    derived from its secret key so it can be printed on every start)."""
    if kind not in INTEGRATION_KINDS:
        raise ServiceError(
            f"The kind must be one of {', '.join(INTEGRATION_KINDS)}, not {kind!r}.", "kind"
        )
    name = _name(name)
    if db.session.scalar(select(Integration.id).where(Integration.name == name)) is not None:
        raise Conflict(f"An integration named {name!r} already exists.", "name")
    plain = plain or f"{TOKEN_SCHEME[kind]}_{secrets.token_urlsafe(SECRET_BYTES)}"
    integration = Integration(
        kind=kind,
        name=name,
        severity_map=check_severity_map(
            DEFAULT_SEVERITY_MAP if severity_map is None else severity_map
        ),
        min_firing_seconds=_seconds(min_firing_seconds, "min_firing_seconds"),
        min_clear_seconds=_seconds(min_clear_seconds, "min_clear_seconds"),
        created_at=utcnow(),
    )
    if kind == "monitor":
        integration.secret_encrypted = encrypt_secret(plain)
    else:
        integration.token_hash = hash_token(plain)
    db.session.add(integration)
    db.session.flush()
    audit.record(actor, "integration.create", integration, f"Created {kind} integration {name}")
    return integration, plain


def verify_token(plain: str) -> Integration | None:
    """The active Alertmanager integration a bearer token belongs to, or None. Looked up
    by hash, so no comparison runs over the secret."""
    plain = (plain or "").strip()
    if not plain or len(plain) > 200:
        return None
    digest = hash_token(plain)
    found = db.session.scalar(select(Integration).where(Integration.token_hash == digest))
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    if found.revoked_at is not None or found.kind != "alertmanager":
        return None
    return found


def active_monitors() -> list[Integration]:
    return list(
        db.session.scalars(
            select(Integration)
            .where(Integration.kind == "monitor", Integration.revoked_at.is_(None))
            .order_by(Integration.id)
        )
    )


def touch(integration: Integration) -> None:
    now = utcnow()
    if integration.last_used_at is None or now - integration.last_used_at >= TOUCH_EVERY:
        integration.last_used_at = now


def find_integration(name_or_id: str) -> Integration:
    """By name, public id or database id (the CLI and the API)."""
    key = (name_or_id or "").strip()
    query = select(Integration).where((Integration.name == key) | (Integration.public_id == key))
    found = db.session.scalar(query)
    if found is None and key.isdigit() and len(key) < 19:
        found = db.session.get(Integration, int(key))
    if found is None:
        raise NotFound(f"No integration named {key!r}.", "integration")
    return found


def list_integrations() -> list[Integration]:
    return list(db.session.scalars(select(Integration).order_by(Integration.name)))


def revoke_integration(actor: User | None, integration: Integration) -> bool:
    """Refuse its credential from now on and withdraw what its alerts claim (a revoked
    sender can no longer resolve them). Returns False when it was already revoked."""
    if integration.revoked_at is not None:
        return False
    integration.revoked_at = utcnow()
    alerts = db.session.scalars(
        select(Alert).where(Alert.integration_id == integration.id, Alert.counts.is_(True))
    ).all()
    for alert in alerts:
        alert.counts = False
        withdraw_source(f"alert:{alert.id}")
    audit.record(
        actor, "integration.revoke", integration, f"Revoked integration {integration.name}"
    )
    return True


def update_integration(
    actor: User | None,
    integration: Integration,
    *,
    severity_map: dict | None = None,
    min_firing_seconds: int | None = None,
    min_clear_seconds: int | None = None,
) -> dict:
    """Change the severity map or the minimum times; returns what changed (audited).
    New minimum times apply to alerts from the next settling on."""
    changes = {}
    if severity_map is not None:
        checked = check_severity_map(severity_map)
        if checked != integration.severity_map:
            changes["severity_map"] = [integration.severity_map, checked]
            integration.severity_map = checked
    for field, value in (
        ("min_firing_seconds", min_firing_seconds),
        ("min_clear_seconds", min_clear_seconds),
    ):
        if value is None:
            continue
        value = _seconds(value, field)
        if value != getattr(integration, field):
            changes[field] = [getattr(integration, field), value]
            setattr(integration, field, value)
    if changes:
        audit.record(
            actor,
            "integration.update",
            integration,
            f"Changed integration {integration.name}: {', '.join(changes)}",
            changes=changes,
        )
    return changes


# Rules -----------------------------------------------------------------------------------


def check_matchers(value) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ServiceError(
            'A rule needs matchers, {"label": "value"}: every one must match.', "matchers"
        )
    if len(value) > MAX_MATCHERS:
        raise ServiceError(f"A rule can have at most {MAX_MATCHERS} matchers.", "matchers")
    checked = {}
    for label, wanted in value.items():
        if not isinstance(label, str) or not isinstance(wanted, str):
            raise ServiceError("Matcher labels and values must be strings.", "matchers")
        label = label.strip()
        if not label or len(label) > MAX_LABEL or len(wanted) > MAX_LABEL:
            raise ServiceError(
                f"A matcher label must be 1 to {MAX_LABEL} characters and its value at "
                f"most {MAX_LABEL}.",
                "matchers",
            )
        checked[label] = wanted.strip()
    return checked


def parse_matcher_lines(text: str) -> dict[str, str]:
    """The admin's editor: one ``label=value`` per line."""
    matchers = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, equals, value = line.partition("=")
        if not equals or not label.strip():
            raise ServiceError(f"Line {number} is not label=value: {line[:60]!r}.", "matchers")
        matchers[label.strip()] = value.strip().strip('"')
    return check_matchers(matchers)


def rules_of(integration: Integration) -> list[AlertRule]:
    return list(
        db.session.scalars(
            select(AlertRule)
            .where(AlertRule.integration_id == integration.id)
            .order_by(AlertRule.position, AlertRule.id)
        )
    )


def add_rule(
    actor: User | None,
    integration: Integration,
    matchers: dict,
    component: Component | None,
    position: int | None = None,
) -> AlertRule:
    """Alerts of ``integration`` whose labels match every matcher belong to
    ``component`` (rules are tried in position order; the first match wins)."""
    if component is None:
        raise NotFound("No such component.", "component")
    matchers = check_matchers(matchers)
    count = db.session.scalar(
        select(func.count()).where(AlertRule.integration_id == integration.id)
    )
    if count >= MAX_RULES:
        raise ServiceError(f"An integration can have at most {MAX_RULES} rules.", "matchers")
    if position is None:
        last = db.session.scalar(
            select(func.max(AlertRule.position)).where(AlertRule.integration_id == integration.id)
        )
        position = (last or 0) + 1
    elif isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10_000:
        raise ServiceError("The position must be a whole number from 0 to 10000.", "position")
    rule = AlertRule(
        integration_id=integration.id,
        matchers=matchers,
        component_id=component.id,
        position=position,
        created_at=utcnow(),
    )
    db.session.add(rule)
    db.session.flush()
    shown = ", ".join(f"{k}={v}" for k, v in matchers.items())
    audit.record(
        actor,
        "alert_rule.create",
        integration,
        f"Integration {integration.name}: alerts with {shown} → {component.name}",
    )
    return rule


def delete_rule(actor: User | None, rule: AlertRule) -> None:
    integration = db.session.get(Integration, rule.integration_id)
    component = db.session.get(Component, rule.component_id)
    shown = ", ".join(f"{k}={v}" for k, v in rule.matchers.items())
    db.session.delete(rule)
    db.session.flush()
    audit.record(
        actor,
        "alert_rule.delete",
        integration,
        f"Integration {integration.name if integration else '?'}: removed the rule "
        f"{shown} → {component.name if component else '?'}",
    )


def rule_matches(rule: AlertRule, labels: dict) -> bool:
    return all(labels.get(label) == wanted for label, wanted in rule.matchers.items())


# Where to point a sender ---------------------------------------------------------------


def webhook_url(integration: Integration) -> str:
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/webhooks/{integration.kind}"


def alertmanager_snippet(url: str, token: str) -> str:
    """The receiver to paste into alertmanager.yml (route alerts to ``herald``)."""
    return (
        "receivers:\n"
        "  - name: herald\n"
        "    webhook_configs:\n"
        f"      - url: {url}\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        "            type: Bearer\n"
        f"            credentials: {token}\n"
    )


def monitor_instructions(url: str) -> str:
    return (
        f"POST {url} with a JSON body "
        '{"id": "<check>", "component": "<component id or name>", '
        '"status": "<status, or resolved>", "summary": "<text>"} and the header '
        'X-Herald-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body with the '
        "secret>."
    )


def monitor_curl_example(url: str, secret: str, component: str = "API") -> str:
    """A shell script that sends one signed monitor request: what a cron job or CI step
    can copy (the admin shows it with a new monitor's secret)."""
    body = json.dumps(
        {
            "id": "checkout-probe",
            "component": component,
            "status": "major_outage",
            "summary": "The checkout probe fails",
        },
        separators=(",", ":"),
    )
    quoted = body.replace("'", "'\\''")
    return (
        f"SECRET='{secret}'\n"
        f"BODY='{quoted}'\n"
        "T=$(date +%s)\n"
        'SIG=$(printf \'%s.%s\' "$T" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r '
        "| cut -d' ' -f1)\n"
        f"curl -sS -X POST '{url}' -H 'Content-Type: application/json' \\\n"
        '  -H "X-Herald-Signature: t=$T,v1=$SIG" --data "$BODY"\n'
    )
