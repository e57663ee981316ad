"""Surges: when a feed's mentions in the last 15 minutes exceed its threshold while no
incident is open, propose one incident. Nothing here reaches customers: a suggestion
waits for staff.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.models import Component, Incident, ListeningFeed, Mention, SuggestedIncident
from app.signals.listening_mentions import BUCKET
from app.signals.suggestions import suggest
from core.db import db
from core.time import utcnow

SURGE_WINDOW = timedelta(minutes=15)
FACT_TITLES = 5


def open_incident_exists() -> bool:
    return (
        db.session.scalar(select(Incident.id).where(Incident.status != "resolved").limit(1))
        is not None
    )


def bucket_of(moment: datetime) -> int:
    return int(moment.timestamp() // BUCKET.total_seconds())


def check_surge(feed: ListeningFeed, now: datetime | None = None) -> SuggestedIncident | None:
    """Propose an incident when the feed's mentions in the last 15 minutes exceed its
    threshold and no incident is open. One proposal per surge: while the feed's last
    proposal is open, a continuing surge adds to its facts instead of proposing again."""
    now = now or utcnow()
    recent = db.session.scalars(
        select(Mention)
        .where(Mention.feed_id == feed.id, Mention.published_at > now - SURGE_WINDOW)
        .order_by(Mention.published_at.desc(), Mention.id.desc())
    ).all()
    if len(recent) <= feed.alert_threshold or open_incident_exists():
        return None
    counts = Counter(m.component_id for m in recent if m.component_id is not None)
    component = db.session.get(Component, counts.most_common(1)[0][0]) if counts else None
    subject = component.name if component else current_app.config["PAGE_NAME"]
    prefix = f"listening:{feed.id}:"
    existing = db.session.scalar(
        select(SuggestedIncident).where(
            SuggestedIncident.key.startswith(prefix, autoescape=True),
            SuggestedIncident.state == "open",
        )
    )
    key = existing.key if existing else f"{prefix}{bucket_of(now)}"
    titles = [m.title for m in recent[:FACT_TITLES] if m.title]
    facts = (
        f"{len(recent)} mentions in {feed.name} in the last 15 minutes "
        f"(threshold {feed.alert_threshold}). Latest:\n" + "\n".join(f"- {t}" for t in titles)
    )
    return suggest(
        "listening",
        key,
        name=f"Customers are reporting problems with {subject}",
        impact="minor",
        component_statuses={component.id: "degraded_performance"} if component else {},
        facts=facts,
        link=recent[0].link,
    )
