"""Herald's notices to its own staff about the communications workflow: drafts waiting
for an approver, and a review's outcome for the draft's author. Each goes to the staff
account's email and, when the account has a phone number, by SMS too; each addresses one
person, so a broadcast names its subscriber."""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select

from app.comms.people import approvers_for, author_of
from app.models import Draft, FactSheet, User
from app.notifier.events import DraftReviewed, DraftsAwaitApproval
from app.notifier.messages import SMS_LIMIT, SMS_LOOKALIKES, shorten
from core.db import db
from core.vocab import INCIDENT_STATUS_LABELS
from subscribers.audiences import get_audience
from subscribers.links import new_link_id
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import Message, create_broadcast


def staff_subscriber(user: User, channel: str = "email") -> Subscriber:
    """The staff account's own address on ``channel`` (its email, or its phone number for
    SMS) for Herald's notices, created on first use."""
    audience = get_audience("staff")
    address = user.email.lower() if channel == "email" else user.phone
    found = db.session.scalar(
        select(Subscriber).where(
            Subscriber.channel == channel,
            Subscriber.address == address,
            Subscriber.audience_id == audience.id,
        )
    )
    if found is None:
        found = Subscriber(
            channel=channel,
            address=address,
            audience_id=audience.id,
            state="active",
            source="staff-user",
            name=user.display_name,
            link_id=new_link_id(),
            state_reason="staff account",
        )
        db.session.add(found)
        db.session.flush()
    return found


def sheet_link(sheet: FactSheet) -> str:
    return f"{current_app.config['PUBLIC_URL']}/admin/fact-sheets/{sheet.public_id}"


def _message(template: str, context: dict, link: str) -> Message:
    base = f"notifications/{template}"
    prefix = f"{current_app.config['PAGE_NAME']}: "
    body = render_template(f"{base}.sms.txt", **context).strip().translate(SMS_LOOKALIKES)
    tail = f" {link}"
    return Message(
        subject=render_template(f"{base}.subject.txt", **context).strip(),
        text=render_template(f"{base}.txt", **context),
        sms=prefix + shorten(body, SMS_LIMIT - len(prefix) - len(tail)) + tail,
    )


def tell(user: User, message: Message, *, kind: str, source: str) -> list[Broadcast]:
    """One person told by email, and by SMS when their account has a phone number.
    ``source`` makes it once: the same notice is never queued twice."""
    channels = ["email"] + (["sms"] if user.phone else [])
    return [
        create_broadcast(
            "staff",
            message,
            source=f"{source}:{channel}",
            kind=kind,
            channels=[channel],
            subscriber_id=staff_subscriber(user, channel).id,
        )
        for channel in channels
    ]


def _incident_words(sheet: FactSheet) -> dict:
    incident = sheet.incident
    return {
        "incident_name": incident.name,
        "impact": sheet.impact,
        "status_label": INCIDENT_STATUS_LABELS[sheet.status],
    }


def ask_approvers(event: DraftsAwaitApproval) -> list[Broadcast]:
    """Every approver who may sign the set off (not its author) is told that drafts wait,
    once per set: editing a draft later tells nobody again."""
    sheet = event.sheet
    waiting = [
        d for d in sheet.drafts if d.needs_approval and d.state not in ("published", "discarded")
    ]
    if not waiting:
        return []
    author = db.session.get(User, sheet.author_id) if sheet.author_id else None
    link = sheet_link(sheet)
    sent = []
    for approver in approvers_for(sheet.author_id):
        context = {
            **_incident_words(sheet),
            "name": approver.display_name,
            "author": author.display_name if author else "Herald",
            "count": len(waiting),
            "audiences": ", ".join(d.audience_key for d in waiting),
            "link": link,
        }
        sent += tell(
            approver,
            _message("approval_request", context, link),
            kind="approval_request",
            source=f"fact_sheet:{sheet.id}:approval:{approver.id}",
        )
    return sent


def tell_author(event: DraftReviewed) -> list[Broadcast]:
    """A draft's author hears that it was approved (and what is next) or rejected, with
    the reviewer's comment."""
    draft: Draft = event.draft
    sheet = draft.fact_sheet
    at = draft.approved_at if event.approved else draft.rejected_at
    link = sheet_link(sheet) + f"#draft-{draft.audience_key}"
    sent = []
    for author in author_of(draft):
        if author.id == event.reviewer.id:
            continue
        context = {
            **_incident_words(sheet),
            "name": author.display_name,
            "reviewer": event.reviewer.display_name,
            "approved": event.approved,
            "audience": draft.audience_key,
            "comment": draft.review_comment,
            "next_step": "When every draft is ready, publish the set.",
            "link": link,
        }
        verdict = "approved" if event.approved else "rejected"
        sent += tell(
            author,
            _message("draft_reviewed", context, link),
            kind="draft_review",
            # Microseconds: a draft approved, edited and approved again is two notices.
            source=f"review:{draft.id}:{verdict}:{int(at.timestamp() * 1_000_000)}:{author.id}",
        )
    return sent
