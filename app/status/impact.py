"""Impact that agrees with the components: the least incident impact that component
statuses imply, and the impact escalation and the page's indicator go by.

The rule lives here only. The impact a person chooses stays theirs (they may know
better, so declaring or updating below it is a warning, not a refusal), but nothing that
alerts or summarises may call an incident "minor" while it takes a component down: they
use ``effective_impact``, the higher of the chosen and the implied impact."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.models import Component, Incident
from app.status.effective import compute_effective, dependency_edges
from core.db import db
from core.vocab import IMPACT_SEVERITY, STATUS_LABELS, TIER_LABELS

# The least impact each effective component status implies, per criticality tier. A
# major outage is at least major anywhere; a business-critical (tier 1) component in
# partial outage is major too; anything degraded is at least minor.
IMPACT_FLOOR: dict[str, dict[str, str]] = {
    "major_outage": {"tier1": "major", "tier2": "major", "tier3": "major"},
    "partial_outage": {"tier1": "major", "tier2": "minor", "tier3": "minor"},
    "degraded_performance": {"tier1": "minor", "tier2": "minor", "tier3": "minor"},
}
NAMED_AT_MOST = 3  # components a warning names before "and N more"


@dataclass(frozen=True)
class ImpactAdvice:
    """The chosen impact is below what the components imply."""

    chosen: str
    implied: str
    because: tuple[str, ...]  # "Card payments (tier 1) in major outage", worst first

    @property
    def message(self) -> str:
        named = list(self.because[:NAMED_AT_MOST])
        if len(self.because) > NAMED_AT_MOST:
            named.append(f"{len(self.because) - NAMED_AT_MOST} more")
        reasons = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
        verb = "implies" if len(named) == 1 else "imply"
        return (
            f"The impact is {self.chosen}, but {reasons} {verb} at least {self.implied} "
            f"impact. Herald treats it as {self.implied} wherever it tells people: the "
            f"pages, the messages, escalation and the update pace. Choose {self.implied}, "
            f"or set the components' statuses to what they are."
        )

    def as_dict(self) -> dict:
        return {
            "chosen_impact": self.chosen,
            "suggested_impact": self.implied,
            "because": list(self.because),
            "message": self.message,
        }


def _tier(tier: str) -> str:
    return TIER_LABELS.get(tier, tier).split(" (")[0].lower()


def implied_impact(statuses: dict[Component, str]) -> tuple[str, tuple[str, ...]]:
    """The least impact these component statuses imply, and why (the components that set
    it). Components that depend on them count with the status they would take on: a tier-1
    service that needs a database in major outage is itself out."""
    if not statuses:
        return "none", ()
    components = db.session.scalars(select(Component)).all()
    # Only what these statuses cause: other incidents' outages are theirs.
    own = {c.id: "operational" for c in components}
    own.update({c.id: s for c, s in statuses.items() if c.id in own})
    effective = compute_effective(own, {c.id: c.name for c in components}, dependency_edges())
    implied, because = "none", []
    for component in sorted(components, key=lambda c: (c.position, c.name)):
        found = effective[component.id]
        floor = IMPACT_FLOOR.get(found.status, {}).get(component.tier, "none")
        if IMPACT_SEVERITY[floor] == 0 or IMPACT_SEVERITY[floor] < IMPACT_SEVERITY[implied]:
            continue
        if IMPACT_SEVERITY[floor] > IMPACT_SEVERITY[implied]:
            implied, because = floor, []
        via = f" through {', '.join(found.causes)}" if found.causes else ""
        because.append(
            f"{component.name} ({_tier(component.tier)}) in "
            f"{STATUS_LABELS[found.status].lower()}{via}"
        )
    return implied, tuple(because)


def advise(chosen: str, statuses: dict[Component, str]) -> ImpactAdvice | None:
    """A warning when ``chosen`` is below what ``statuses`` imply, else None."""
    implied, because = implied_impact(statuses)
    if IMPACT_SEVERITY.get(chosen, 0) >= IMPACT_SEVERITY[implied]:
        return None
    return ImpactAdvice(chosen, implied, because)


def incident_statuses(incident: Incident) -> dict[Component, str]:
    """What the incident gives each of its components now."""
    return {link.component: link.status for link in incident.affected}


def impact_advice(incident: Incident) -> ImpactAdvice | None:
    """The warning for an open incident whose impact is below what it does."""
    if incident.status == "resolved":
        return None
    return advise(incident.impact, incident_statuses(incident))


def effective_impact(incident: Incident) -> str:
    """The higher of the chosen impact and the one its components imply (a resolved
    incident keeps the impact it was given)."""
    advice = impact_advice(incident)
    return advice.implied if advice else incident.impact


def sheet_impact(sheet, statuses: dict[Component, str]) -> str:
    """The impact a fact sheet's texts say: the higher of its chosen impact and the one
    the statuses it applies imply."""
    advice = advise(sheet.impact, statuses)
    return advice.implied if advice else sheet.impact


def sheet_impact_told(sheet) -> str:
    """The impact a fact sheet's texts say, from the statuses it applies (``sheet_impact``
    for a sheet not yet rendered)."""
    advice = advise_sheet(sheet)
    return advice.implied if advice else sheet.impact


def advise_sheet(sheet) -> ImpactAdvice | None:
    """The warning for a fact sheet: its impact against the statuses it applies."""
    ids = {int(cid): status for cid, status in (sheet.components or {}).items()}
    found = db.session.scalars(select(Component).where(Component.id.in_(ids))).all()
    return advise(sheet.impact, {c: ids[c.id] for c in found})
