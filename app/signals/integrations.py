"""Monitoring integrations: who may send alerts, how their severities map to component
statuses, making, changing and revoking them.

Credentials (tokens, encrypted monitor secrets, verification) are in
``integration_credentials``; label rules in ``alert_rules``; the snippets that tell a
sender where to post in ``integration_snippets``.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.models import Alert, Integration, User
from app.models.signals import INTEGRATION_KINDS
from app.signals.claims import withdraw_source
from app.signals.integration_credentials import (
    SECRET_BYTES,
    TOKEN_SCHEME,
    encrypt_secret,
    hash_token,
)
from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ServiceError
from core.time import utcnow
from core.vocab import COMPONENT_STATUSES

MAX_NAME = 120
MAX_MIN_SECONDS = 24 * 3600
# "Alert: no change" in a severity map: the alert is kept and shown, but claims nothing.
NO_CHANGE = "operational"
DEFAULT_SEVERITY_MAP = {
    "critical": "major_outage",
    "warning": "degraded_performance",
    "info": NO_CHANGE,
}
# A severity the map does not name (or no severity label at all).
UNMAPPED_SEVERITY_STATUS = "degraded_performance"


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
