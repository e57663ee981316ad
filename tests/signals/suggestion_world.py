"""Shared pieces of the suggested-incident tests: the workflow tests' small company
(tests/comms/worldkit.py) with staff of each role, and a vendor's suggestion on it (with
the vendor's claims behind it, as a real source makes them)."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Component, SuggestedIncident
from app.signals.claims import claim
from app.signals.suggestions import suggest
from core.db import db
from subscribers.models import Broadcast, Delivery
from subscribers.outbox import expand_broadcast

VENDOR_FACTS = (
    "Stripe reports: Elevated error rates on card authorisations.\n\n"
    "We are investigating <b>elevated</b> error rates for card payments in the EU."
)


def vendor_suggestion(world, **changes) -> SuggestedIncident:
    """What a vendor's incident proposes: Card payments in partial outage, claimed first
    by the vendor (source ``vendor:<the key's second part>``) as polling does."""
    key = changes.pop("key", "vendor:test:abc123")
    values = {
        "name": "Stripe: Elevated error rates on card authorisations",
        "impact": "minor",
        "component_statuses": {world.components["Card payments"].id: "partial_outage"},
        "facts": VENDOR_FACTS,
        "link": "https://status.stripe.example/incidents/abc123",
    }
    values.update(changes)
    source = "vendor:" + key.split(":")[1]
    for component_id, status in values["component_statuses"].items():
        component = db.session.get(Component, component_id)
        claim(component, source, status, reason="Reported by Stripe", public=True)
    suggestion = suggest("vendor", key, **values)
    db.session.commit()
    return suggestion


def delivered(kind: str | None = None, source_prefix: str = "") -> list[dict]:
    """Every broadcast (of ``kind``, with a source starting so) expanded into its
    deliveries: audience, channel, address, subject and texts."""
    db.session.expire_all()
    query = select(Broadcast).order_by(Broadcast.id)
    if kind:
        query = query.where(Broadcast.kind == kind)
    found = []
    for broadcast in db.session.scalars(query):
        if not broadcast.source.startswith(source_prefix):
            continue
        expand_broadcast(broadcast.id)
        for delivery in db.session.scalars(
            select(Delivery).where(Delivery.broadcast_id == broadcast.id)
        ):
            found.append(
                {
                    "audience": broadcast.audience.key,
                    "channel": delivery.channel,
                    "address": delivery.address,
                    "subject": broadcast.subject,
                    "text": broadcast.text_body,
                    "sms": broadcast.sms_body,
                    "source": broadcast.source,
                }
            )
    db.session.commit()
    return found
