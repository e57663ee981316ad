"""The incident team's notice of a suggested incident: what Herald heard (a vendor, an
alert, what people are saying) and the incident it proposes, in each internal audience's
words."""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select

from app.comms import templating
from app.comms.phases import known
from app.markdown import render_markdown
from app.models import (
    Component,
    Integration,
    SuggestedIncident,
    VendorSource,
)
from core.db import db
from core.vocab import STATUS_LABELS
from subscribers.outbox import Message

ORIGIN_LABELS = {
    "vendor": "a vendor's status page",
    "alert": "monitoring",
    "listening": "what customers are saying",
}


def heard_from(suggestion: SuggestedIncident) -> str:
    """Where a suggestion was heard, in words: the vendor or the alert by name when its
    key names one (``vendor:<source id>:…``, ``alert:<integration id>:<alert name>``),
    else the kind of signal. An alert's key names its integration, not an alert row: the
    alert is the name after it (reading the id as an alert's named the wrong one)."""
    kind, _, rest = suggestion.key.partition(":")
    ident, _, name = rest.partition(":")
    if ident.isdigit() and kind == "vendor" and suggestion.origin == "vendor":
        source = db.session.get(VendorSource, int(ident))
        if source is not None:
            return f"{source.name}'s status page"
    if ident.isdigit() and kind == "alert" and suggestion.origin == "alert" and name:
        integration = db.session.get(Integration, int(ident))
        return f"the alert {name}" + (f" ({integration.name})" if integration else "")
    return ORIGIN_LABELS.get(suggestion.origin, suggestion.origin)


def suggestion_url(suggestion: SuggestedIncident) -> str:
    return f"{current_app.config['PUBLIC_URL']}/admin/suggested-incidents/{suggestion.public_id}"


def suggestion_context(suggestion: SuggestedIncident, impact: str) -> dict:
    """What the suggested-incident template reads: the signal's words as plain text."""
    config = current_app.config
    statuses = {int(cid): status for cid, status in (suggestion.component_statuses or {}).items()}
    found = db.session.scalars(select(Component).where(Component.id.in_(statuses))).all()
    components = sorted(found, key=lambda c: (c.position, c.name))
    return {
        "page_name": config["PAGE_NAME"],
        "public_url": config["PUBLIC_URL"],
        "suggestion": {
            "name": suggestion.name,
            "origin": suggestion.origin,
            "heard_from": heard_from(suggestion),
            "impact": impact,
            "facts": (suggestion.facts or "").strip(),
            "link": suggestion.link or "",
            "components": [
                {
                    "name": c.name,
                    "status": statuses[c.id],
                    "status_label": STATUS_LABELS[statuses[c.id]],
                }
                for c in components
            ],
            "url": suggestion_url(suggestion),
        },
    }


def suggestion_message(suggestion: SuggestedIncident, impact: str, audience_key: str) -> Message:
    """An internal audience's alert of a suggested incident (the engineers' wording
    unless the audience has its own template), in the email layout, with the
    suggestion as the webhook payload (an internal subscriber may be a webhook)."""
    template_audience = audience_key if known(audience_key, "suggested_incident") else "engineering"
    context = suggestion_context(suggestion, impact)
    texts = templating.render(template_audience, "suggested_incident", context)
    config = current_app.config
    layout = {
        "page_name": config["PAGE_NAME"],
        "body": texts.email_body,
        "body_html": render_markdown(texts.email_body),
        "unsubscribe_url": "[%unsubscribe_url%]",
        "manage_url": "[%manage_url%]",
        "title": texts.email_subject,
    }
    data = context["suggestion"]
    return Message(
        subject=texts.email_subject,
        text=render_template("notifications/comms_email.txt", **layout),
        html=render_template("notifications/comms_email.html", **layout),
        sms=texts.sms_text,
        webhook_payload={
            "page": {"id": config["PAGE_ID"]},
            "suggested_incident": {
                "id": suggestion.public_id,
                "origin": data["origin"],
                "name": data["name"],
                "impact": impact,
                "heard_from": data["heard_from"],
                "components": data["components"],
                "facts": data["facts"],
                "link": data["link"],
                "url": data["url"],
            },
        },
    )
