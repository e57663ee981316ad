""" "What people are saying" on the internal pages: mentions per 15 minutes over six hours
as a small bar chart drawn on the server (no script), and the latest items.

Items are strangers' words: they reach the template as plain text and Jinja escapes
them; links are kept only when they are web addresses (see app.signals.listening_items)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.internal import bp
from app.models import Incident
from app.signals import listening_mentions
from app.status.effective import dependents_of
from core.time import utcnow

CHART_WIDTH = 240
CHART_HEIGHT = 48


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    count: int
    start: datetime


@dataclass(frozen=True)
class MentionsView:
    bars: list[Bar]
    total: int
    peak: int
    latest: list[listening_mentions.MentionRow]
    rising: bool
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


@bp.app_template_global("mentions_view")
def mentions_view(incident: Incident | None = None) -> MentionsView:
    """Every mention; with ``incident``, those of its components (and of the components
    that depend on them) and those naming no component (found by a new user: an
    incident's page listed mentions of another incident's service)."""
    now = utcnow()
    ids = None
    if incident is not None:
        direct = {link.component_id for link in incident.affected}
        ids = direct | dependents_of(direct)
    counts = listening_mentions.counts_per_bucket(now, component_ids=ids)
    peak = max(counts)
    step = CHART_WIDTH // len(counts)
    start = now - listening_mentions.BUCKET * len(counts)
    bars = []
    for n, count in enumerate(counts):
        height = round(count / peak * (CHART_HEIGHT - 2)) if peak else 0
        if count and not height:
            height = 1
        bars.append(
            Bar(
                x=n * step,
                y=CHART_HEIGHT - height,
                width=step - 2,
                height=height,
                count=count,
                start=start + listening_mentions.BUCKET * n,
            )
        )
    return MentionsView(
        bars=bars,
        total=sum(counts),
        peak=peak,
        # The chart's six hours: the list never holds what the count leaves out.
        latest=listening_mentions.latest_mentions(10, since=start, component_ids=ids),
        # Of the mentions shown (found by a new user: "1 mention · rising" on an incident
        # whose services were not the ones talked about).
        rising=listening_mentions.rising_in(counts),
    )


@bp.app_template_global("mentions_rising")
def mentions_rising() -> bool:
    return listening_mentions.rising()
