"""Postmortems: written once an incident is resolved, public once published; while the
customers' texts need approval, a person's postmortem is public only once an approver
(not its author) signs it off, as the customers' drafts are."""

from __future__ import annotations

import hashlib

from app.comms.approval import check_approver, public_text_needs_approval
from app.comms.checks import ERROR
from app.comms.people import APPROVER_ROLES
from app.comms.postmortem_checks import check_postmortem
from app.models import Incident, User, utcnow
from app.notifier.events import PostmortemReviewed, TextAwaitsApproval
from app.notifier.notifier import notify
from app.status.version import bump_page_version
from core import audit
from core.errors import ServiceError
from core.words import counted


def refuse_errors(incident: Incident, body: str, to: str) -> None:
    """Errors the checks find (a blaming sentence, a placeholder left in) stop a
    postmortem going public, as they stop a draft: the text has to change."""
    errors = [f for f in check_postmortem(incident, body) if f.severity == ERROR]
    if errors:
        raise ServiceError(
            f"This postmortem has {counted(len(errors), 'error')} to fix before it can be {to}: "
            + " ".join(f.message for f in errors),
            "findings",
        )


def save_postmortem(actor: User | None, incident: Incident, body: str, publish: bool) -> Incident:
    """Write (and optionally publish) the postmortem; only a resolved incident has one.
    While customers' texts need approval, publishing a person's postmortem sends it to an
    approver (``approve_postmortem``); it goes public once approved."""
    if not incident.is_resolved:
        raise ServiceError("Resolve the incident before writing its postmortem.", "body")
    body = (body or "").strip()
    if publish and not body:
        raise ServiceError("An empty postmortem cannot be published.", "body")
    published = incident.postmortem_published_at is not None
    changed = body != incident.postmortem_body
    goes_public = publish and (changed or not published)
    if goes_public and not public_text_needs_approval(actor, incident.is_public):
        refuse_errors(incident, body, "published")
    if changed or incident.postmortem_author_id is None:
        incident.postmortem_author_id = actor.id if actor else None
    incident.postmortem_pending_body = ""
    if not publish:
        incident.postmortem_body = body
        incident.postmortem_published_at = incident.postmortem_submitted_at = None
        what = "Saved draft of"
    elif published and not changed:
        incident.postmortem_submitted_at = None
        what = "Published"  # as it was: nothing new to approve
    elif public_text_needs_approval(actor, incident.is_public):
        # The published text, if any, stays public until the new one is approved.
        if not published:
            incident.postmortem_body = body
        incident.postmortem_pending_body = body
        incident.postmortem_submitted_at = utcnow()
        incident.postmortem_approved_by_id = None
        what = "Sent for approval the"
        notify(
            TextAwaitsApproval(
                "postmortem",
                incident.name,
                f"/admin/incidents/{incident.id}#postmortem-pending",
                incident.postmortem_author_id,
                # Once per text: sending the same words again asks nobody twice.
                f"postmortem:{incident.id}:{hashlib.sha256(body.encode()).hexdigest()[:16]}",
            )
        )
    else:
        incident.postmortem_body = body
        incident.postmortem_published_at = incident.postmortem_published_at or utcnow()
        incident.postmortem_submitted_at = None
        what = "Published"
    audit.record(actor, "incident.postmortem", incident, f"{what} postmortem for {incident.name}")
    bump_page_version()
    return incident


def approve_postmortem(actor: User, incident: Incident) -> Incident:
    """An approver publishes a postmortem sent for approval; its author cannot."""
    if incident.postmortem_submitted_at is None:
        raise ServiceError("This postmortem is not waiting for approval.", "postmortem")
    check_approver(actor, "this postmortem", incident.postmortem_author_id)
    refuse_errors(
        incident, incident.postmortem_pending_body or incident.postmortem_body, "approved"
    )
    incident.postmortem_body = incident.postmortem_pending_body or incident.postmortem_body
    incident.postmortem_pending_body = ""
    incident.postmortem_published_at = utcnow()
    incident.postmortem_submitted_at = None
    incident.postmortem_approved_by_id = actor.id
    audit.record(
        actor,
        "incident.postmortem.approve",
        incident,
        f"Approved the postmortem of {incident.name}",
    )
    bump_page_version()
    return incident


def reject_postmortem(actor: User, incident: Incident, comment: str) -> Incident:
    """An approver sends a postmortem back to its author with a comment saying what to
    change. A first postmortem goes back to a draft (not public) holding the rejected
    text; when an approved version is public it stays public and the rejected edit is
    dropped from the incident (the author's notice quotes it, so nothing is lost)."""
    if incident.postmortem_submitted_at is None:
        raise ServiceError("This postmortem is not waiting for approval.", "postmortem")
    if actor.role not in APPROVER_ROLES:
        raise ServiceError("Only an approver can reject a postmortem.", "role")
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError("Say what should change: a rejection needs a comment.", "comment")
    rejected = incident.postmortem_pending_body or incident.postmortem_body
    if incident.postmortem_published_at is None:
        incident.postmortem_body = rejected
    incident.postmortem_pending_body = ""
    incident.postmortem_submitted_at = None
    incident.postmortem_approved_by_id = None
    audit.record(
        actor,
        "incident.postmortem.reject",
        incident,
        f"Rejected the postmortem of {incident.name}: {comment}",
    )
    notify(PostmortemReviewed(incident, actor, comment, rejected, utcnow()))
    bump_page_version()
    return incident
