"""Escalation rules: an incident of high impact, or one touching a tier-1 component,
alerts an audience (the executives by default) at once with a short factual notice.

Only internal audiences are alerted: an escalation notice is not reviewed, and nothing
goes to a public audience (customers, press) without the workflow's approval."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from app.comms.audience_keys import PUBLIC_KEYS
from app.models import EscalationRule, Incident, User
from app.status.effective import dependents_of
from app.status.impact import effective_impact
from core import audit
from core.db import db
from core.errors import ServiceError
from core.vocab import IMPACT_SEVERITY, IMPACTS, TIERS
from subscribers.models import Audience

log = logging.getLogger(__name__)


def all_rules() -> list[EscalationRule]:
    """Every rule, oldest first (the database comes with the default ones)."""
    return list(db.session.scalars(select(EscalationRule).order_by(EscalationRule.id)))


def matches(rule: EscalationRule, incident: Incident) -> bool:
    # The higher of the chosen impact and the components' (app/status/impact.py).
    return matches_impact(
        rule, effective_impact(incident), {link.component_id for link in incident.affected}
    )


def matches_impact(rule: EscalationRule, impact: str, component_ids: set[int]) -> bool:
    """Whether ``rule`` alerts for an incident of ``impact`` touching ``component_ids``
    (and what depends on them); a suggested incident has no incident row yet."""
    if not rule.enabled:
        return False
    if rule.min_impact and IMPACT_SEVERITY[impact] >= IMPACT_SEVERITY[rule.min_impact]:
        return True
    if rule.tier:
        from app.models import Component

        ids = set(component_ids) | dependents_of(set(component_ids))
        return any(
            c.tier == rule.tier
            for c in db.session.scalars(select(Component).where(Component.id.in_(ids)))
        )
    return False


def is_public_audience(audience: Audience | None, key: str) -> bool:
    return key in PUBLIC_KEYS or (audience is not None and audience.visibility == "public")


def audiences_for(incident: Incident) -> list[str]:
    """The audiences the matching rules alert (each once; never a public audience)."""
    return _internal_audiences(lambda rule: matches(rule, incident))


def audiences_for_suggestion(impact: str, component_ids: set[int]) -> list[str]:
    """The internal audiences a suggested incident alerts: those the rules would alert
    had it been declared with this impact on these components, and always the engineers
    (someone must look at what a signal says, whatever the rules)."""
    found = _internal_audiences(lambda rule: matches_impact(rule, impact, component_ids))
    return found if "engineering" in found else ["engineering", *found]


def _internal_audiences(matching) -> list[str]:
    audiences = []
    public = {
        a.key for a in db.session.scalars(select(Audience)) if is_public_audience(a, a.key)
    } | set(PUBLIC_KEYS)
    for rule in all_rules():
        if not matching(rule) or rule.audience_key in audiences:
            continue
        if rule.audience_key in public:
            # A rule saved before public audiences were refused: never alert them (an
            # internal incident has no public audience; a public one's public texts are
            # approved in the workflow).
            log.warning(
                "escalation rule %r names public audience %s: skipped", rule.name, rule.audience_key
            )
            continue
        audiences.append(rule.audience_key)
    return audiences


def save_rule(
    actor: User | None,
    rule: EscalationRule | None,
    *,
    name: str,
    min_impact: str | None,
    tier: str | None,
    audience_key: str,
    enabled: bool = True,
) -> EscalationRule:
    name = (name or "").strip()
    if not name:
        raise ServiceError("A rule needs a name.", "name")
    if len(name) > 120:
        raise ServiceError("A rule name can be at most 120 characters.", "name")
    if min_impact and min_impact not in IMPACTS:
        raise ServiceError(f"Impact must be one of {', '.join(IMPACTS)}.", "min_impact")
    if tier and tier not in TIERS:
        raise ServiceError(f"Tier must be one of {', '.join(TIERS)}.", "tier")
    if not min_impact and not tier:
        raise ServiceError("A rule needs an impact, a tier or both.", "min_impact")
    audience = db.session.scalar(select(Audience).where(Audience.key == audience_key))
    if audience is None:
        raise ServiceError(f"There is no audience {audience_key!r}.", "audience_key")
    if audience_key == "teams":
        raise ServiceError(
            "Escalation cannot alert the teams as an audience: every team that owns "
            "components is asked in the roll call when an incident is declared.",
            "audience_key",
        )
    if is_public_audience(audience, audience_key):
        raise ServiceError(
            f"Escalation alerts internal audiences only: {audience.name} is public, and "
            "what it reads goes through the composer and approval. Choose an internal "
            "audience such as executives.",
            "audience_key",
        )
    rule = rule or EscalationRule()
    rule.name, rule.min_impact, rule.tier = name, min_impact or None, tier or None
    rule.audience_key, rule.enabled = audience_key, bool(enabled)
    db.session.add(rule)
    audit.record(actor, "escalation.save", None, f"Saved escalation rule {name}")
    return rule


def delete_rule(actor: User | None, rule: EscalationRule) -> None:
    """Remove a rule (disabling it keeps it for later). The last rule cannot go: an
    empty list would look like escalation was never set up; disable it instead."""
    if db.session.scalar(select(func.count(EscalationRule.id))) <= 1:
        raise ServiceError(
            "This is the last escalation rule: disable it instead (a disabled rule keeps "
            "its settings for later)."
        )
    audit.record(actor, "escalation.delete", None, f"Deleted escalation rule {rule.name}")
    db.session.delete(rule)
