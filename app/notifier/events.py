"""What happened, as the domain services tell the notifier. Each event names the rows it
is about; the notifier decides from them who is told and in which words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import (
    Component,
    Draft,
    FactSheet,
    Incident,
    IncidentUpdate,
    Maintenance,
    MaintenanceUpdate,
    User,
)


@dataclass(frozen=True)
class AudienceText:
    """One audience's words for a published update (the workflow's draft)."""

    audience_key: str
    subject: str
    email_body: str
    sms: str
    draft: Draft | None = None


@dataclass(frozen=True)
class IncidentDeclared:
    """An incident was opened; ``first`` is its first update when it was given one."""

    incident: Incident
    first: IncidentUpdate | None
    notify: bool  # the declaration's deliver_notifications


@dataclass(frozen=True)
class UpdatePublished:
    """An update went on the timeline, moving the incident from ``was``. ``texts`` are the
    audiences' own words (the workflow's drafts whose notify switch is on); without them,
    an update with a public text tells the customers in the page's words."""

    incident: Incident
    update: IncidentUpdate
    was: str
    texts: tuple[AudienceText, ...] = ()
    published_by: User | None = None


@dataclass(frozen=True)
class MaintenanceUpdated:
    """A window was scheduled, started, is being verified or completed."""

    update: MaintenanceUpdate


@dataclass(frozen=True)
class MaintenanceApproved:
    """An approver signed off the public text of a maintenance update: now the customers
    may read it (the internal audiences were told when it was written)."""

    update: MaintenanceUpdate


@dataclass(frozen=True)
class MaintenanceDue:
    """A public window starts within the hour: the customers' reminder."""

    maintenance: Maintenance


@dataclass(frozen=True)
class UpdateOverdue:
    """An unresolved incident's next update is overdue: its lead is reminded."""

    incident: Incident
    now: datetime


@dataclass(frozen=True)
class DraftsAwaitApproval:
    """A set of drafts holds drafts that need an approver: every approver who may give it
    is told of those they can approve now (no blocking errors), once per set. With
    ``drafts``, only those drafts, once per ``key``: a draft whose errors were fixed, or
    a rejected (or approved) draft saved again, goes back to its approvers."""

    sheet: FactSheet
    drafts: tuple[Draft, ...] = ()
    key: str = ""


@dataclass(frozen=True)
class TextAwaitsApproval:
    """A person's public text written outside the drafts (a postmortem, a maintenance
    notice) waits for an approver: every approver who may give it is told, once per
    ``key``."""

    kind: str  # "postmortem" or "maintenance notice"
    title: str  # the incident's or the window's name
    path: str  # the staff page where it is approved, with its anchor
    author_id: int | None
    key: str


@dataclass(frozen=True)
class DraftReviewed:
    """An approver approved or rejected a draft: its author is told (with the comment)."""

    draft: Draft
    reviewer: User
    approved: bool


@dataclass(frozen=True)
class PostmortemReviewed:
    """An approver sent a postmortem back with a comment: its author is told, with the
    text that was rejected (it is no longer kept on the incident when an approved
    version stays public)."""

    incident: Incident
    reviewer: User
    comment: str
    rejected_text: str
    at: datetime


@dataclass(frozen=True)
class TeamReportedAffected:
    """A team answered the roll call "affected" (or changed its note): the staff who run
    the incident are told, with the team's note."""

    roll_call: object  # app.models.RollCall


@dataclass(frozen=True)
class ComponentStatusChanged:
    """A component's own status changed (by a person, the API, an incident or a
    maintenance window) at ``at``; its dependents' effective statuses followed."""

    component: Component
    status: str
    at: datetime


@dataclass(frozen=True)
class IncidentSuggested:
    """A signal (a vendor, an alert, a wave of mentions) proposes an incident: the
    incident team is alerted; nothing goes to customers."""

    suggestion: object  # app.models.SuggestedIncident


@dataclass(frozen=True)
class SignalSeen:
    """A signal named components an open incident already covers: it was kept on that
    incident instead of a second suggestion, and the incident team is told once."""

    signal: object  # app.models.IncidentSignal
    incident: Incident
