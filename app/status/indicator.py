"""The page's indicator and its description, Statuspage's ``status`` object: the worst
of the components' statuses and the open incidents' impacts, or ``maintenance`` while
only maintenance is under way."""

from __future__ import annotations

from collections.abc import Iterable

INDICATOR_BY_STATUS = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
INDICATOR_BY_IMPACT = {"none": "none", "minor": "minor", "major": "major", "critical": "critical"}
INDICATOR_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


def page_indicator(
    component_statuses: Iterable[str], incident_impacts: Iterable[str], maintenance_active: bool
) -> tuple[str, str]:
    """(indicator, description) for a page showing these components and open incidents."""
    indicator = "none"
    from_incident = False
    for status in component_statuses:
        candidate = INDICATOR_BY_STATUS[status]
        if INDICATOR_RANK[candidate] > INDICATOR_RANK[indicator]:
            indicator = candidate
    for impact in incident_impacts:
        candidate = INDICATOR_BY_IMPACT[impact]
        if INDICATOR_RANK[candidate] >= INDICATOR_RANK[indicator] and candidate != "none":
            indicator, from_incident = candidate, True
    if maintenance_active and indicator == "none":
        indicator = "maintenance"
    description = DESCRIPTIONS[indicator]
    if indicator == "minor" and not from_incident:
        description = "Partially Degraded Service"
    return indicator, description
