"""Alert rules: which labels on an integration's alerts name which component.

Rules are tried in position order and the first whose matchers all equal the alert's
labels wins; the admin edits matchers as ``label=value`` lines. Adding or deleting a rule
re-targets the integration's firing alerts at once (``retarget`` in app.signals.alerts).
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AlertRule, Component, Integration, User
from app.signals.alert_targets import MAX_LABEL
from app.signals.alerts import retarget
from core import audit
from core.db import db
from core.errors import NotFound, ServiceError
from core.time import utcnow

MAX_MATCHERS = 20
MAX_RULES = 200


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
    retarget(integration)
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
    if integration is not None:
        retarget(integration)
