"""What a counting alert tells people: a suggested incident, or joining the open incident
that already covers its component.

Every way an alert comes by its component goes through ``propose``: it starts counting
(app.signals.alerts), a later delivery names another component (its label was fixed),
or a rule added or deleted re-targets it (``retarget`` in app.signals.alerts). So a
signal on a component an open incident covers joins that incident ("Signals seen")
whether its component came from its label or from a rule, and a suggestion made while
the alert matched nothing is brought up to date instead of naming a typo for ever.

A critical alert, or one on a tier-1 component, proposes an incident (once per alert
name while the proposal is open); a critical alert that matched no component is
proposed too (someone must find what is down), saying what it named. Any other alert
only joins the open incident covering its component, if there is one.
"""

from __future__ import annotations

from sqlalchemy import select

from app.models import Alert, Component, Integration
from app.signals.alert_payloads import COMPONENT_LABEL
from app.signals.alert_targets import component_field, why_unmatched
from app.signals.backing import alert_key
from app.signals.incident_signals import attach, covering_incidents
from app.signals.suggestions import suggest
from core.db import db

IMPACT_OF = {
    "major_outage": "major",
    "partial_outage": "major",
    "degraded_performance": "minor",
    "under_maintenance": "minor",
}


def propose(alert: Alert, integration: Integration) -> None:
    """A firing alert that counts, just come by its component (or lost it): propose an
    incident, or keep it on the open incident that covers its component."""
    if alert.status == "operational" or not alert.firing or not alert.counts:
        return
    component = db.session.get(Component, alert.component_id) if alert.component_id else None
    critical = (alert.labels.get("severity") or "").lower() == "critical"
    name = (alert.annotations.get("summary") or f"Alert: {alert.name}")[:200]
    facts = _facts(alert, integration, component)
    if critical or (component is not None and component.tier == "tier1"):
        suggest(
            "alert",
            alert_key(alert),
            name=name,
            impact="critical"
            if critical and alert.status == "major_outage"
            else IMPACT_OF.get(alert.status, "minor"),
            component_statuses={component.id: alert.status} if component else {},
            facts=facts,
            link=alert.generator_url,
        )
        return
    if component is None:
        return
    for incident in covering_incidents([component.id]):
        attach(
            incident,
            "alert",
            alert_key(alert),
            name=name,
            component_statuses={component.id: alert.status},
            facts=facts,
            link=alert.generator_url,
        )


def _facts(alert: Alert, integration: Integration, component: Component | None) -> str:
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
    return "\n\n".join(facts)


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
