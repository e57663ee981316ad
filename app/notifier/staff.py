"""Herald's notices to its own staff about the communications workflow: drafts waiting
for an approver, and a review's outcome for the draft's author. Each goes to the staff
account's email and, when the account has a phone number, by SMS too, and by Slack DM
when Slack is on and the account is matched to a Slack user (``users.slack_user_id``,
filled in by ``app.notifier.slack_people``); each addresses one person, so a broadcast
names its subscriber. With HERALD_SLACK_APPROVERS_CHANNEL set, approval requests go to
that channel once instead of to each approver's DMs."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, render_template
from sqlalchemy import select

from app.comms import rollcall
from app.comms.audience_keys import audience_label
from app.comms.checks import ERROR
from app.comms.continuity import replaced_set
from app.comms.people import approvers_for, author_of
from app.models import Draft, FactSheet, User
from app.notifier import buttons
from app.notifier.events import (
    DraftReviewed,
    DraftsAwaitApproval,
    PostmortemReviewed,
    TeamReportedAffected,
    TextAwaitsApproval,
)
from app.notifier.messages import SMS_LIMIT, SMS_LOOKALIKES, shorten
from app.status.entries import format_time
from app.status.impact import sheet_impact_told
from app.timeutil import page_zone
from core.db import db
from core.vocab import INCIDENT_STATUS_LABELS
from subscribers.audiences import get_audience
from subscribers.links import new_link_id
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import Message, create_broadcast


def staff_subscriber(user: User, channel: str = "email") -> Subscriber:
    """The staff account's own address on ``channel`` (its email, its phone number for
    SMS, its Slack user id for a DM) for Herald's notices, created on first use."""
    addresses = {"email": user.email.lower(), "sms": user.phone, "slack": user.slack_user_id}
    return _staff_address(channel, addresses[channel], user.display_name, "staff account")


def slack_channel_subscriber(channel_id: str, name: str, reason: str) -> Subscriber:
    """A Slack channel (the approvers', an incident's) as a staff address."""
    return _staff_address("slack", channel_id, name, reason)


def _staff_address(channel: str, address: str, name: str, reason: str) -> Subscriber:
    audience = get_audience("staff")
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
            name=name[:120],
            link_id=new_link_id(),
            state_reason=reason,
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


def in_slack(user: User) -> bool:
    """Whether ``user`` is told in Slack too: Slack is on and the account is matched."""
    return bool(user.slack_user_id) and buttons.slack_active()


def tell(
    user: User, message: Message, *, kind: str, source: str, slack: bool = True
) -> list[Broadcast]:
    """One person told by email, by SMS when their account has a phone number, and by
    Slack DM when ``in_slack`` (unless ``slack`` is False: the message goes to a shared
    channel instead). ``source`` makes it once: the same notice is never queued twice."""
    channels = ["email"] + (["sms"] if user.phone else [])
    channels += ["slack"] if slack and in_slack(user) else []
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


def _replaced_at(sheet: FactSheet) -> str:
    earlier = replaced_set(sheet)
    return format_time(earlier.created_at, page_zone()) if earlier is not None else ""


def _incident_words(sheet: FactSheet) -> dict:
    incident = sheet.incident
    return {
        "incident_name": incident.name,
        # What its texts say (found by a new user: "minor impact" while every draft and
        # page said major, the components' outage implying it).
        "impact": sheet_impact_told(sheet),
        "status_label": INCIDENT_STATUS_LABELS[sheet.status],
    }


def approvable(draft: Draft) -> bool:
    """An approver can approve ``draft`` now: it waits for one and has no blocking error
    (its author moves first)."""
    return (
        draft.needs_approval
        and draft.state == "pending"
        and not any(f.get("severity") == ERROR for f in draft.findings or [])
    )


def ask_approvers(event: DraftsAwaitApproval) -> list[Broadcast]:
    """Every approver who may sign the set off (not its author) is told of the drafts they
    can approve now, once per set: editing a draft later tells nobody again, unless the
    edit made it approvable again (``event.drafts``, once per ``event.key``: then the
    draft's last editor is not asked either)."""
    sheet = event.sheet
    if sheet.published_at is not None:
        return []
    waiting = [d for d in (event.drafts or sheet.drafts) if approvable(d)]
    if not waiting:
        return []
    once = event.key or f"fact_sheet:{sheet.id}"
    not_asked = [sheet.author_id] + [d.edited_by_id for d in event.drafts]
    author = db.session.get(User, sheet.author_id) if sheet.author_id else None
    link = sheet_link(sheet)
    actions = buttons.approval(sheet, waiting)
    shared = current_app.config.get("SLACK_APPROVERS_CHANNEL") if buttons.slack_active() else ""
    words = {
        **_incident_words(sheet),
        "author": author.display_name if author else "Herald",
        "count": len(waiting),
        "again": bool(event.drafts),
        # Found by a new user: three notices in 40 s while the lead reworded the facts,
        # two of them for sets already replaced. Each says which one it replaces.
        "replaces": _replaced_at(sheet) if not event.drafts else "",
        "audiences": ", ".join(audience_label(d.audience_key, in_sentence=True) for d in waiting),
        "link": link,
    }
    sent = []
    for approver in approvers_for(*not_asked):
        message = _message("approval_request", {**words, "name": approver.display_name}, link)
        sent += tell(
            approver,
            replace(message, chat_actions=actions),
            kind="approval_request",
            source=f"{once}:approval:{approver.id}",
            slack=not shared,
        )
    if shared and sent:
        message = _message("approval_request", {**words, "name": "approvers"}, link)
        subscriber = slack_channel_subscriber(shared, "Approvers' channel", "approvers' channel")
        sent.append(
            create_broadcast(
                "staff",
                replace(message, chat_actions=actions),
                source=f"{once}:approval:channel:slack",
                kind="approval_request",
                channels=["slack"],
                subscriber_id=subscriber.id,
            )
        )
    return sent


def incident_link(incident) -> str:
    return f"{current_app.config['PUBLIC_URL']}/admin/incidents/{incident.id}"


def tell_incident_team(event: TeamReportedAffected) -> list[Broadcast]:
    """A team reported its services affected: the staff who run the incident are told
    (email, SMS with a phone number, Slack DM when matched), naming the team and its
    note, once per answer."""
    call = event.roll_call
    incident = call.incident
    link = incident_link(incident)
    at = int(call.answered_at.timestamp() * 1_000_000)
    sent = []
    for person in rollcall.incident_staff(incident):
        context = {
            "name": person.display_name,
            "team": call.team.name,
            "incident_name": incident.name,
            "note": call.note,
            "link": link,
        }
        sent += tell(
            person,
            replace(
                _message("team_affected", context, link), chat_actions=[buttons.open_button(link)]
            ),
            kind="team_affected",
            source=f"rollcall:{call.id}:affected:{at}:{person.id}",
        )
    return sent


def ask_text_approvers(event: TextAwaitsApproval) -> list[Broadcast]:
    """Every approver who may sign a postmortem or a maintenance notice off (not its
    author) is told once that it waits."""
    author = db.session.get(User, event.author_id) if event.author_id else None
    link = f"{current_app.config['PUBLIC_URL']}{event.path}"
    sent = []
    for approver in approvers_for(event.author_id):
        context = {
            "name": approver.display_name,
            "author": author.display_name if author else "Someone",
            "kind": event.kind,
            "title": event.title,
            "link": link,
        }
        message = _message("text_approval_request", context, link)
        sent += tell(
            approver,
            replace(message, chat_actions=[buttons.open_button(link)]),
            kind="approval_request",
            source=f"{event.key}:approval:{approver.id}",
        )
    return sent


def tell_author(event: DraftReviewed) -> list[Broadcast]:
    """A draft's author hears that it was approved (and what is next) or rejected, with
    the reviewer's comment."""
    draft: Draft = event.draft
    sheet = draft.fact_sheet
    at = draft.approved_at if event.approved else draft.rejected_at
    link = sheet_link(sheet) + f"#draft-{draft.audience_key}"
    # In chat: Publish when this approval made the set ready, else a link to it.
    actions = (
        buttons.publish(sheet)
        if event.approved and _ready_to_publish(sheet)
        else [buttons.open_button(link, f"sheet:{sheet.public_id}")]
    )
    sent = []
    for author in author_of(draft):
        if author.id == event.reviewer.id:
            continue
        context = {
            **_incident_words(sheet),
            "name": author.display_name,
            "reviewer": event.reviewer.display_name,
            "approved": event.approved,
            "audience": audience_label(draft.audience_key, in_sentence=True),
            "comment": draft.review_comment,
            "next_step": "When every draft is ready, publish the set.",
            "link": link,
        }
        verdict = "approved" if event.approved else "rejected"
        sent += tell(
            author,
            replace(_message("draft_reviewed", context, link), chat_actions=actions),
            kind="draft_review",
            # Microseconds: a draft approved, edited and approved again is two notices.
            source=f"review:{draft.id}:{verdict}:{int(at.timestamp() * 1_000_000)}:{author.id}",
        )
    return sent


def tell_postmortem_author(event: PostmortemReviewed) -> list[Broadcast]:
    """A rejected postmortem's author hears why, with the text sent back, as a rejected
    draft's author does."""
    incident = event.incident
    author = (
        db.session.get(User, incident.postmortem_author_id)
        if incident.postmortem_author_id
        else None
    )
    if author is None or author.id == event.reviewer.id or not author.active:
        return []
    link = f"{current_app.config['PUBLIC_URL']}/admin/incidents/{incident.id}#postmortem"
    context = {
        "name": author.display_name,
        "reviewer": event.reviewer.display_name,
        "incident_name": incident.name,
        "comment": event.comment,
        "rejected_text": event.rejected_text,
        "link": link,
    }
    at = event.at
    return tell(
        author,
        replace(
            _message("postmortem_reviewed", context, link), chat_actions=[buttons.open_button(link)]
        ),
        kind="draft_review",
        source=f"postmortem:{incident.id}:rejected:{int(at.timestamp() * 1_000_000)}:{author.id}",
    )


def _ready_to_publish(sheet: FactSheet) -> bool:
    """Nothing but publishing stands between the set and its audiences."""
    from app.comms.approval import who_must_act  # it imports the notifier

    waiting = who_must_act(sheet)
    return bool(waiting) and all(w.who == "publisher" for w in waiting)
