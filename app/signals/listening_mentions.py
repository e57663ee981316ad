"""What the staff pages and the API read back from listening: the latest mentions,
mentions per 15 minutes for the chart, and whether they are rising.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from app.models import Component, ListeningFeed, Mention
from core.db import db
from core.time import utcnow

BUCKET = timedelta(minutes=15)
CHART_BUCKETS = 24  # six hours of 15-minute bars


@dataclass(frozen=True)
class MentionRow:
    title: str
    link: str
    source: str
    published_at: datetime
    component: str


def _about(query, component_ids: set[int] | None):
    """Only the mentions of ``component_ids`` and those naming no component (the page's
    name): what an incident's page shows. None: every mention."""
    if component_ids is None:
        return query
    return query.where(or_(Mention.component_id.in_(component_ids), Mention.component_id.is_(None)))


def latest_mentions(
    limit: int = 10, since: datetime | None = None, component_ids: set[int] | None = None
) -> list[MentionRow]:
    query = (
        select(Mention, ListeningFeed.name, Component.name)
        .join(ListeningFeed, ListeningFeed.id == Mention.feed_id)
        .outerjoin(Component, Component.id == Mention.component_id)
        .order_by(Mention.published_at.desc(), Mention.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Mention.published_at >= since)
    query = _about(query, component_ids)
    return [
        MentionRow(m.title, m.link, source, m.published_at, component or "")
        for m, source, component in db.session.execute(query).all()
    ]


def counts_per_bucket(
    now: datetime | None = None,
    buckets: int = CHART_BUCKETS,
    component_ids: set[int] | None = None,
) -> list[int]:
    """Mentions per 15 minutes, oldest first, the last bucket ending now."""
    now = now or utcnow()
    start = now - BUCKET * buckets
    query = select(Mention.published_at).where(Mention.published_at > start)
    times = db.session.scalars(_about(query, component_ids)).all()
    counts = [0] * buckets
    for moment in times:
        index = int((moment - start) / BUCKET)
        counts[min(max(index, 0), buckets - 1)] += 1
    return counts


def rising(now: datetime | None = None) -> bool:
    """Mentions are rising: the last 15 minutes hold more than any feed's threshold, or at
    least 3 and more than twice the mean of the six hours before."""
    return rising_in(counts_per_bucket(now))


def rising_in(counts: list[int]) -> bool:
    """``rising`` for these counts per 15 minutes (an incident's own mentions, say)."""
    last, before = counts[-1], counts[:-1]
    if last == 0:
        return False
    lowest = db.session.scalar(
        select(func.min(ListeningFeed.alert_threshold)).where(ListeningFeed.enabled.is_(True))
    )
    if lowest is not None and last > lowest:
        return True
    return last >= 3 and last > 2 * (sum(before) / len(before))
