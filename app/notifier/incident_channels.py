"""One Slack channel per incident (HERALD_SLACK_INCIDENT_CHANNELS=true): declaring an
incident opens ``inc-<yyyymmdd>-<slug>``, invites the responders Herald knows in Slack
(the declarer, the communications lead) and mirrors the timeline into it, each update
posted as it is published.

The channel is made by the worker (the periodic job "incident-channels"), never in the
declaration's request: Slack being slow or down must not hold up declaring, and a
failure is simply tried again on a later tick. The channel is kept as a staff Slack
address (a ``Subscriber`` with ``link_id`` ``inc-<incident public id>``), so no column
is needed and the mirrored updates are ordinary broadcasts to it: tracked, retried and
paced by the outbox like every other message."""

from __future__ import annotations

import logging
import re
import time

from flask import current_app
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from app.markdown import plain_text
from app.models import Incident, IncidentUpdate, User
from app.notifier import buttons
from core.db import db
from core.time import utcnow
from core.vocab import INCIDENT_STATUS_LABELS
from subscribers.audiences import get_audience
from subscribers.channels.slack_api import error_code, slack_client
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import Message, create_broadcast

log = logging.getLogger(__name__)

NAME_LIMIT = 80  # Slack's longest channel name
RETRY_SECONDS = 60.0
_failed: dict[int, float] = {}  # incident id -> time.monotonic() of the last failure


def enabled() -> bool:
    return buttons.slack_active() and bool(current_app.config.get("SLACK_INCIDENT_CHANNELS"))


def channel_name(incident: Incident, suffix: str = "") -> str:
    """``inc-<yyyymmdd>-<slug>``: lowercase letters, digits and dashes, at most 80."""
    slug = re.sub(r"[^a-z0-9]+", "-", incident.name.lower()).strip("-") or "incident"
    head = f"inc-{incident.started_at:%Y%m%d}-"
    tail = f"-{suffix}" if suffix else ""
    return head + slug[: NAME_LIMIT - len(head) - len(tail)].rstrip("-") + tail


def _link_id(incident: Incident) -> str:
    return f"inc-{incident.public_id}"


def channel_of(incident: Incident) -> Subscriber | None:
    """The incident's Slack channel, once made."""
    return db.session.scalar(select(Subscriber).where(Subscriber.link_id == _link_id(incident)))


def mirror(incident: Incident, update: IncidentUpdate) -> Broadcast | None:
    """Post a timeline entry into the incident's channel (once: the source names it)."""
    channel = channel_of(incident) if enabled() else None
    if channel is None:
        return None
    label = INCIDENT_STATUS_LABELS.get(update.status, update.status)
    text = plain_text(update.body or "") or plain_text(update.internal_body or "")
    message = Message(
        subject=f"{label}: {incident.name}",
        text=text or "(no text with this update)",
        chat_actions=buttons.incident_open(incident),
    )
    return create_broadcast(
        "staff",
        message,
        source=f"incident_update:{update.id}:channel",
        kind="incident_channel",
        channels=["slack"],
        subscriber_id=channel.id,
    )


def _responders(incident: Incident) -> list[str]:
    ids = {incident.created_by_id, incident.comms_lead_id} - {None}
    users = db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)))
    return sorted({u.slack_user_id for u in users if u.slack_user_id})


def _create(client, incident: Incident) -> dict:
    """conversations.create, with the incident's public id added when the name is taken
    (another incident of the same name that day)."""
    try:
        return client.conversations_create(name=channel_name(incident))["channel"]
    except SlackApiError as error:
        if error_code(error) != "name_taken":
            raise
    return client.conversations_create(name=channel_name(incident, incident.public_id.lower()))[
        "channel"
    ]


def open_channel(incident: Incident, client=None) -> Subscriber:
    """Make the incident's channel, invite its responders, keep it, and post the timeline
    so far. Raises SlackApiError when Slack refuses to make it; an invitation refused
    (a user gone) is only logged."""
    client = client or slack_client(current_app.config)
    made = _create(client, incident)
    users = _responders(incident)
    if users:
        try:
            client.conversations_invite(channel=made["id"], users=users, force=True)
        except SlackApiError as error:
            log.warning("inviting responders to #%s: %s", made.get("name"), error_code(error))
    channel = Subscriber(
        channel="slack",
        address=made["id"],
        audience_id=get_audience("staff").id,
        state="active",
        source="staff-user",
        name=f"#{made.get('name', '')}"[:120],
        link_id=_link_id(incident),
        state_reason=f"the channel of incident {incident.public_id}",
    )
    db.session.add(channel)
    db.session.flush()
    for update in sorted(incident.updates, key=lambda u: (u.display_at, u.id)):
        mirror(incident, update)
    return channel


def open_incident_channels() -> int:
    """The periodic job: a channel for each open incident declared within the news window
    that has none yet. Returns how many were made."""
    if not enabled():
        return 0
    from app.notifier.notifier import NEWS_WINDOW

    now = time.monotonic()
    recent = db.session.scalars(
        select(Incident)
        .where(Incident.status != "resolved", Incident.started_at >= utcnow() - NEWS_WINDOW)
        .order_by(Incident.id)
    ).all()
    made = 0
    for incident in recent:
        if channel_of(incident) is not None:
            continue
        if now - _failed.get(incident.id, -RETRY_SECONDS) < RETRY_SECONDS:
            continue
        try:
            open_channel(incident)
            db.session.commit()
            made += 1
        except Exception as error:  # never the declaration's problem: try again later
            db.session.rollback()
            _failed[incident.id] = now
            detail = error_code(error) if isinstance(error, SlackApiError) else repr(error)
            log.warning("no Slack channel for incident %s yet: %s", incident.public_id, detail)
    return made
