"""The words Herald uses for states, shared by models, services, views and the API.

They follow Statuspage's public API so that tools written for Statuspage read Herald.
"""

COMPONENT_STATUSES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
# Worse is higher. Maintenance is planned, so it ranks below any unplanned problem.
STATUS_SEVERITY = {
    "operational": 0,
    "under_maintenance": 1,
    "degraded_performance": 2,
    "partial_outage": 3,
    "major_outage": 4,
}
STATUS_LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}

INDICATORS = ("none", "minor", "major", "critical", "maintenance")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
INCIDENT_STATUS_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}
IMPACTS = ("none", "minor", "major", "critical")
IMPACT_SEVERITY = {"none": 0, "minor": 1, "major": 2, "critical": 3}

MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")
MAINTENANCE_STATUS_LABELS = {
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
}

TIERS = ("tier1", "tier2", "tier3")
TIER_LABELS = {"tier1": "Tier 1 (business critical)", "tier2": "Tier 2", "tier3": "Tier 3"}
VISIBILITIES = ("public", "internal")
DEPENDENCY_KINDS = ("hard", "soft")

ROLES = ("admin", "comms_lead", "approver", "responder", "viewer")
ROLE_LABELS = {
    "admin": "Admin",
    "comms_lead": "Communications lead",
    "approver": "Approver",
    "responder": "Responder",
    "viewer": "Viewer",
}


def worst_status(statuses) -> str:
    """The most severe of some component statuses (operational when there are none)."""
    return max(statuses, key=STATUS_SEVERITY.__getitem__, default="operational")


# The languages of the public pages and of subscribers' messages (app/translations).
# Staff pages stay English.
LANGUAGES = ("en", "de", "es")
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "es": "Español"}
DEFAULT_LANGUAGE = "en"
