"""What the status domain tells subscribers, until the communications workflow takes over:
an incident update or maintenance notice goes to the ``customers`` audience subscribers of
the affected components (and of the components that depend on them).

Each announcement is one call that writes a broadcast in the caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, render_template

from app.markdown import plain_text, render_markdown
from app.models import Incident, IncidentUpdate, Maintenance, MaintenanceUpdate, utcnow
from app.models.vocab import INCIDENT_STATUS_LABELS
from app.status.components import dependents_of
from app.status.statuspage import component_json, incident_json
from app.timeutil import page_zone
from subscribers.outbox import Message, create_broadcast

log = logging.getLogger(__name__)

# An update dated further back than this records history; it is not news to send.
STALE_AFTER = timedelta(hours=1)
SMS_LIMIT = 306  # two GSM-7 segments
# One character outside GSM-7 (an en dash in a time range, a curly quote, an ellipsis)
# makes the whole text message UCS-2, 70 characters a segment: use look-alikes.
SMS_LOOKALIKES = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _components(event: Incident | Maintenance) -> tuple[list[int], list[dict]]:
    ids = {link.component_id for link in event.affected}
    ids |= dependents_of(ids)
    zone, page_id = page_zone(), current_app.config["PAGE_ID"]
    dicts = {
        link.component_id: component_json(link.component, page_id, zone, None)
        for link in event.affected
        if link.component.is_public
    }
    return sorted(ids), dicts


def _message(template: str, context: dict, link: str) -> Message:
    config = current_app.config
    context.update(
        page_name=config["PAGE_NAME"],
        link=link,
        unsubscribe_url="[%unsubscribe_url%]",
        manage_url="[%manage_url%]",
    )
    base = f"notifications/{template}"
    prefix = f"{config['PAGE_NAME']}: "
    sms_body = render_template(f"{base}.sms.txt", **context).strip().translate(SMS_LOOKALIKES)
    tail = f" {link} Reply STOP to opt out."
    sms = prefix + shorten(sms_body, SMS_LIMIT - len(prefix) - len(tail)) + tail
    return Message(
        subject=render_template(f"{base}.subject.txt", **context).strip(),
        text=render_template(f"{base}.txt", **context),
        html=render_template(f"{base}.html", **context),
        sms=sms,
        webhook_payload=context["webhook_payload"],
    )


def _is_news(moment) -> bool:
    return moment >= utcnow() - STALE_AFTER


def announce_incident_update(update: IncidentUpdate):
    """Queue the customers' notice of an incident update; None when nothing is sent
    (switched off, internal incident, or an update that records the past)."""
    incident = update.incident
    if not update.deliver_notifications or not incident.is_public:
        return None
    if not _is_news(update.display_at):
        log.info("not notifying %s: dated in the past", update)
        return None
    config = current_app.config
    component_ids, dicts = _components(incident)
    data = incident_json(incident, config["PAGE_ID"], page_zone(), config["PUBLIC_URL"], dicts)
    link = f"{config['PUBLIC_URL']}/incidents/{incident.public_id}"
    context = {
        "incident": incident,
        "update": update,
        "status_label": INCIDENT_STATUS_LABELS[update.status],
        "body_text": plain_text(update.body),
        "body_html": render_markdown(update.body),
        "components": [
            item.component.name for item in incident.affected if item.component.is_public
        ],
        "webhook_payload": {"page": {"id": config["PAGE_ID"]}, "incident": data},
    }
    message = _message("incident_update", context, link)
    return create_broadcast(
        "customers",
        message,
        source=f"incident_update:{update.id}:customers",
        component_ids=component_ids,
        kind="incident",
    )


MAINTENANCE_AUDIENCES = ("customers", "support", "engineering")


def announce_maintenance(update: MaintenanceUpdate, reminder: bool = False):
    """Queue each audience's notice of a maintenance update, from its template for the
    phase (the staff's message is added to the email), or the customers' reminder an hour
    before. Returns the customers' broadcast (None when nothing is sent)."""
    from app.comms import templating
    from app.comms.context import maintenance_context
    from app.comms.messages import message_from_texts
    from app.comms.phases import MAINTENANCE_PHASE_BY_STATUS

    maintenance = update.maintenance
    if not update.deliver_notifications:
        return None
    if not reminder and not _is_news(update.display_at):
        return None
    phase = "maintenance_scheduled" if reminder else MAINTENANCE_PHASE_BY_STATUS[update.status]
    audiences = ("customers",) if reminder else MAINTENANCE_AUDIENCES
    if not maintenance.is_public:
        audiences = tuple(a for a in audiences if a != "customers")
    component_ids, _ = _components(maintenance)
    note = update.body.strip()
    first = None
    for key in audiences:
        texts = templating.render(key, phase, maintenance_context(maintenance, key))
        subject = (
            "Reminder, starting in about an hour: " if reminder else ""
        ) + texts.email_subject
        body = texts.email_body + (f"\n\n**A note from the team:** {note}" if note else "")
        source = (
            f"maintenance_reminder:{maintenance.id}:{key}"
            if reminder
            else f"maintenance_update:{update.id}:{key}"
        )
        broadcast = create_broadcast(
            key,
            message_from_texts(maintenance, subject, body, texts.sms_text, key),
            source=source,
            component_ids=component_ids,
            kind="maintenance",
        )
        if key == "customers":
            first = broadcast
    return first
