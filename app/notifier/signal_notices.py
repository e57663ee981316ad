"""A signal seen on an open incident: the incident team (the internal audiences a
suggestion of the incident's impact on those components would alert, always the
engineers) is told once, with a link to the incident's internal page. Never customers.

Registered on ``notify`` when ``app.notifier.notifier`` is imported (it imports this
module last), so callers keep importing ``notify`` from there.
"""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select

from app.comms import escalation
from app.markdown import render_markdown
from app.models import Component
from app.notifier.events import SignalSeen
from app.notifier.notifier import notify
from app.notifier.suggestion_messages import heard_from
from core.db import db
from core.vocab import STATUS_LABELS, STATUS_SEVERITY
from subscribers.models import Broadcast
from subscribers.outbox import Message, create_broadcast


def incident_signal_url(incident) -> str:
    return f"{current_app.config['PUBLIC_URL']}/internal/incidents/{incident.public_id}#signals"


@notify.register
def _signal_seen(event: SignalSeen) -> list[Broadcast]:
    signal, incident = event.signal, event.incident
    component_ids = {int(cid) for cid in (signal.component_statuses or {})}
    message = signal_message(signal, incident)
    return [
        create_broadcast(
            key,
            message,
            source=f"incident-signal:{signal.id}:{key}",
            kind="suggestion",
        )
        for key in escalation.audiences_for_suggestion(incident.impact, component_ids)
    ]


def signal_message(signal, incident) -> Message:
    """The team's notice: what was heard, on which of the incident's components, and
    that no second incident was suggested."""
    config = current_app.config
    statuses = {int(cid): status for cid, status in (signal.component_statuses or {}).items()}
    components = sorted(
        db.session.scalars(select(Component).where(Component.id.in_(statuses))).all(),
        key=lambda c: (c.position, c.name),
    )
    named = ", ".join(f"{c.name} ({STATUS_LABELS[statuses[c.id]].lower()})" for c in components)
    url = incident_signal_url(incident)
    subject = f"Signal seen on the open incident {incident.name}: {signal.name}"
    lines = [
        f"Heard from {heard_from(signal)}: **{signal.name}**, about components the open "
        f"incident **{incident.name}** already covers" + (f": {named}." if named else "."),
        "It was added to that incident's page; no second incident was suggested and "
        "nothing has gone to customers.",
    ]
    stated = {link.component_id: link.status for link in incident.affected}
    worse = [
        f"{c.name} {STATUS_LABELS[statuses[c.id]].lower()} "
        f"(the incident states {STATUS_LABELS[stated[c.id]].lower()})"
        for c in components
        if c.id in stated and STATUS_SEVERITY[statuses[c.id]] > STATUS_SEVERITY[stated[c.id]]
    ]
    if worse:
        # A signal's status counts on the pages unless staff hold the component by hand
        # (found by a new user: "nothing was changed" while the page showed the outage).
        held = all(c.signal_held for c in components if c.id in stated)
        shown = (
            "The pages keep the status staff set by hand"
            if held
            else "The pages already show the worse status"
        )
        lines.append(
            f"**Worse than the incident states:** {', '.join(worse)}. {shown}; the "
            "incident's impact and texts were not changed: update its components and "
            "impact so that its words agree."
        )
    if signal.facts:
        lines.append(f"**What was heard**\n\n{signal.facts.strip()}")
    if signal.link:
        lines.append(f"Source: {signal.link}")
    lines.append(f"The incident: {url}")
    body = "\n\n".join(lines)
    layout = {
        "page_name": config["PAGE_NAME"],
        "body": body,
        "body_html": render_markdown(body),
        "unsubscribe_url": "[%unsubscribe_url%]",
        "manage_url": "[%manage_url%]",
        "title": subject,
    }
    sms = f"{config['PAGE_NAME']}: signal on open incident {incident.name}: {signal.name}"
    return Message(
        subject=subject,
        text=render_template("notifications/comms_email.txt", **layout),
        html=render_template("notifications/comms_email.html", **layout),
        sms=(sms[:150] + " " + url) if len(sms) > 150 else f"{sms} {url}",
        webhook_payload={
            "page": {"id": config["PAGE_ID"]},
            "incident_signal": {
                "incident": incident.public_id,
                "origin": signal.origin,
                "name": signal.name,
                "heard_from": heard_from(signal),
                "components": [
                    {"id": c.public_id, "name": c.name, "status": statuses[c.id]}
                    for c in components
                ],
                "facts": signal.facts or "",
                "link": signal.link or "",
                "url": url,
            },
        },
    )
