"""Which templates exist: audiences and phases."""

from __future__ import annotations

from sqlalchemy import select

from app.comms.audience_keys import (
    PAGE_PREFIX,
    TEAM_DRAFT_PHASES,
    is_page_audience,
    template_audience,
)
from app.models import PrivatePage
from core.db import db

INCIDENT_PHASES = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE_PHASES = ("maintenance_scheduled", "maintenance_started", "maintenance_completed")
AUDIENCE_PHASES = (*INCIDENT_PHASES, *MAINTENANCE_PHASES, "all_clear")

# Audience key → the phases it has a template for. "teams" stands for every team that
# owns components; "staff" for reminders to the people running the incident.
TEMPLATE_PHASES: dict[str, tuple[str, ...]] = {
    "customers": AUDIENCE_PHASES,
    "press": AUDIENCE_PHASES,
    "support": AUDIENCE_PHASES,
    # A signal (a vendor, an alert, what customers say) proposes an incident: the
    # engineers' wording, used for every internal audience alerted (as escalation is).
    "engineering": (*AUDIENCE_PHASES, "suggested_incident"),
    "executives": (*AUDIENCE_PHASES, "escalation"),
    # The lead's update for every team (TEAM_DRAFT_PHASES), and Herald's own notices to
    # each team: the roll call, the all-clear and, at resolution, the resolved notice.
    "teams": (*TEAM_DRAFT_PHASES, "roll_call", "all_clear", "resolved"),
    "staff": ("cadence_reminder",),
}
FIELDS = ("page_text", "email_subject", "email_body", "sms_text")
SECTION_NAMES = {
    "page": "page_text",
    "subject": "email_subject",
    "email": "email_body",
    "sms": "sms_text",
}
PHASE_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "maintenance_scheduled": "Maintenance scheduled",
    "maintenance_started": "Maintenance started",
    "maintenance_completed": "Maintenance completed",
    "all_clear": "All-clear",
    "escalation": "Escalation",
    "roll_call": "Roll call",
    "cadence_reminder": "Update overdue",
    "suggested_incident": "Suggested incident",
}
MAINTENANCE_PHASE_BY_STATUS = {
    "scheduled": "maintenance_scheduled",
    "in_progress": "maintenance_started",
    "verifying": "maintenance_started",
    "completed": "maintenance_completed",
}


def known(audience_key: str, phase: str) -> bool:
    """Whether the audience has a template for ``phase``; a private page's audience has
    the customers' phases while its page exists."""
    if phase not in TEMPLATE_PHASES.get(template_audience(audience_key), ()):
        return False
    if not is_page_audience(audience_key):
        return True
    slug = audience_key[len(PAGE_PREFIX) :]
    return db.session.scalar(select(PrivatePage.id).where(PrivatePage.slug == slug)) is not None
