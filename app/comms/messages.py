"""Turning a drafted or templated text into a broadcast, and logging it against the
incident: the one place the workflow hands messages to the fan-out."""

from __future__ import annotations

from flask import current_app, render_template

from app.markdown import render_markdown
from app.models import Communication, Incident, User
from app.status.reads import component_dicts
from app.status.statuspage import incident_json
from app.timeutil import page_zone
from subscribers.outbox import Message, create_broadcast


def message_from_texts(
    incident: Incident, subject: str, email_body: str, sms: str, audience_key: str
) -> Message:
    """An email (plain and HTML, with the unsubscribe footer), the SMS as written, and a
    webhook payload in Statuspage's shape."""
    config = current_app.config
    context = {
        "page_name": config["PAGE_NAME"],
        "body": email_body,
        "body_html": render_markdown(email_body),
        "unsubscribe_url": "[%unsubscribe_url%]",
        "manage_url": "[%manage_url%]",
        "title": subject,
    }
    visibility = "public" if audience_key in ("customers", "press") else "internal"
    data = incident_json(
        incident,
        config["PAGE_ID"],
        page_zone(),
        config["PUBLIC_URL"],
        component_dicts(visibility),
        visibility == "internal",
    )
    return Message(
        subject=subject,
        text=render_template("notifications/comms_email.txt", **context),
        html=render_template("notifications/comms_email.html", **context),
        sms=sms,
        webhook_payload={"page": {"id": config["PAGE_ID"]}, "incident": data},
    )


def send(
    incident: Incident,
    kind: str,
    audience_key: str,
    message: Message,
    *,
    source: str,
    component_ids: list[int] | None = None,
    team_id: int | None = None,
    subscriber_id: int | None = None,
    draft=None,
    drafted_by: User | None = None,
    approved_by: User | None = None,
    published_by: User | None = None,
    summary: str = "",
):
    """Queue a broadcast and record it in the incident's communication log."""
    from app.extensions import db

    broadcast = create_broadcast(
        audience_key,
        message,
        source=source,
        component_ids=component_ids,
        team_id=team_id,
        subscriber_id=subscriber_id,
        kind=kind,
    )
    db.session.add(
        Communication(
            incident_id=incident.id,
            kind=kind,
            audience_key=audience_key,
            team_id=team_id,
            broadcast_id=broadcast.id,
            draft_id=draft.id if draft is not None else None,
            summary=summary or message.subject,
            drafted_by_id=drafted_by.id if drafted_by else None,
            approved_by_id=approved_by.id if approved_by else None,
            published_by_id=published_by.id if published_by else None,
        )
    )
    return broadcast
