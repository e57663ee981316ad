"""Incident metrics for a period: how many incidents of each impact and on which
components, and how long each step took, from the first signal to resolution.

What each figure means (times are per incident, then summarised by count, median and
mean, in seconds):

- **signal → declaration**: from the earliest suggested incident declared into the
  incident (an alert or a vendor change, ``SuggestedIncident.incident_id``) to the
  incident's declaration (``Incident.created_at``). Incidents staff declared with no
  signal have no figure.
- **declaration → first public update**: to the first update with a public text.
- **declaration → resolution**: resolved incidents only.
- **on cadence**: each public update after the first is on cadence when it was posted by
  the time the previous update set: the next-update time its fact sheet promised, else
  the previous update's time plus the customers' cadence for the incident's impact (what
  ``app.comms.cadence.schedule_next`` sets). The cadence is read as it is configured
  now; a changed cadence reinterprets history.
- **roll-call answers**: from a team being asked to its answer; unanswered calls count as
  asked only.

Incidents belong to the period, and to a month, by when they started, in the page's time
zone. ``months`` repeats the figures per calendar month with the change from the month
before (``change``), so "this month against the previous" is the last two rows.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.models import (
    Component,
    FactSheet,
    Incident,
    IncidentComponent,
    IncidentUpdate,
    RollCall,
    SuggestedIncident,
)
from app.timeutil import day_start, local_day, page_zone
from core.db import db
from core.errors import ServiceError
from core.vocab import IMPACTS

# A report longer than this is refused (it would read every incident of years).
MAX_DAYS = 3 * 366
DEFAULT_MONTHS = 3
DURATIONS = ("signal_to_declaration", "declaration_to_first_public_update", "to_resolution")


@dataclass(frozen=True)
class Timing:
    """Durations (seconds) of one step over many incidents."""

    count: int
    median_seconds: float | None
    mean_seconds: float | None

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        if not seconds:
            return cls(0, None, None)
        return cls(len(seconds), statistics.median(seconds), statistics.fmean(seconds))

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "median_seconds": self.median_seconds,
            "mean_seconds": self.mean_seconds,
        }


@dataclass
class Figures:
    """The figures of a set of incidents (the whole period, or one month)."""

    incidents: int = 0
    by_impact: dict[str, int] = field(default_factory=dict)
    signal_to_declaration: Timing = Timing(0, None, None)
    declaration_to_first_public_update: Timing = Timing(0, None, None)
    to_resolution: Timing = Timing(0, None, None)
    updates_due: int = 0
    updates_on_cadence: int = 0
    roll_calls_asked: int = 0
    roll_call_answers: Timing = Timing(0, None, None)

    @property
    def cadence_share(self) -> float | None:
        return self.updates_on_cadence / self.updates_due if self.updates_due else None

    def as_dict(self) -> dict:
        return {
            "incidents": self.incidents,
            "by_impact": self.by_impact,
            "signal_to_declaration": self.signal_to_declaration.as_dict(),
            "declaration_to_first_public_update": (
                self.declaration_to_first_public_update.as_dict()
            ),
            "declaration_to_resolution": self.to_resolution.as_dict(),
            "cadence": {
                "updates": self.updates_due,
                "on_cadence": self.updates_on_cadence,
                "share": self.cadence_share,
            },
            "roll_calls": {
                "asked": self.roll_calls_asked,
                "answered": self.roll_call_answers.count,
                "median_seconds": self.roll_call_answers.median_seconds,
                "mean_seconds": self.roll_call_answers.mean_seconds,
            },
        }


@dataclass
class Month:
    month: str  # YYYY-MM
    figures: Figures
    # The change from the month before: figure name → difference (None when either side
    # has no figure); empty for the first month.
    change: dict[str, float | None]

    def as_dict(self) -> dict:
        return {"month": self.month, **self.figures.as_dict(), "change": self.change}


@dataclass
class MetricsReport:
    start: date
    end: date  # inclusive
    total: Figures
    by_component: list[tuple[Component, int]]
    months: list[Month]

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            **self.total.as_dict(),
            "by_component": [
                {"id": c.public_id, "name": c.name, "incidents": n} for c, n in self.by_component
            ],
            "months": [m.as_dict() for m in self.months],
        }


@dataclass
class _Facts:
    """What one incident contributes."""

    month: str
    impact: str
    signal: float | None = None
    first_public: float | None = None
    resolution: float | None = None
    due: int = 0
    on_cadence: int = 0
    asked: int = 0
    answers: list[float] = field(default_factory=list)


def _iso_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ServiceError(
            f"{name!r} must be a date like 2026-03-31; got {value!r}.", name
        ) from None


def parse_period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """``from`` and ``to`` as ISO dates (both inclusive). Missing: ``to`` is today and
    ``from`` the first day of the month ``DEFAULT_MONTHS - 1`` months earlier."""
    end_day = _iso_date(end, "to") if end else today
    if start:
        start_day = _iso_date(start, "from")
    else:
        start_day = end_day.replace(day=1)
        for _ in range(DEFAULT_MONTHS - 1):
            start_day = (start_day - timedelta(days=1)).replace(day=1)
    if start_day > end_day:
        raise ServiceError("'from' must not be after 'to'.", "from")
    if (end_day - start_day).days >= MAX_DAYS:
        raise ServiceError(f"A report covers at most {MAX_DAYS} days.", "from")
    return start_day, end_day


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def _cadences() -> dict[str, timedelta]:
    """The customers' cadence for each impact, as configured now."""
    from app.comms.cadence import cadence_minutes

    return {
        impact: timedelta(minutes=cadence_minutes(Incident(impact=impact))) for impact in IMPACTS
    }


def _incident_facts(
    incident: Incident,
    updates: list[IncidentUpdate],
    promises: dict[int, datetime],
    signals: list[datetime],
    roll_calls: list[RollCall],
    cadence: timedelta,
    zone,
) -> _Facts:
    declared = incident.created_at
    facts = _Facts(incident.started_at.astimezone(zone).strftime("%Y-%m"), incident.impact)
    if signals:
        facts.signal = _seconds(declared, min(signals))
    public = sorted((u for u in updates if u.body.strip()), key=lambda u: (u.display_at, u.id))
    if public:
        facts.first_public = _seconds(public[0].display_at, declared)
    if incident.status == "resolved":
        facts.resolution = _seconds(incident.resolved_at, declared)
    for previous, update in itertools.pairwise(public):
        due = promises.get(previous.id) or previous.display_at + cadence
        facts.due += 1
        facts.on_cadence += update.display_at <= due
    for call in roll_calls:
        facts.asked += 1
        if call.answered_at is not None:
            facts.answers.append(_seconds(call.answered_at, call.created_at))
    return facts


def _figures(items: list[_Facts]) -> Figures:
    impacts = Counter(f.impact for f in items)
    return Figures(
        incidents=len(items),
        by_impact={impact: impacts.get(impact, 0) for impact in IMPACTS},
        signal_to_declaration=Timing.of([f.signal for f in items if f.signal is not None]),
        declaration_to_first_public_update=Timing.of(
            [f.first_public for f in items if f.first_public is not None]
        ),
        to_resolution=Timing.of([f.resolution for f in items if f.resolution is not None]),
        updates_due=sum(f.due for f in items),
        updates_on_cadence=sum(f.on_cadence for f in items),
        roll_calls_asked=sum(f.asked for f in items),
        roll_call_answers=Timing.of([s for f in items for s in f.answers]),
    )


# The figures whose change from the previous month is reported.
TREND_FIGURES = {
    "incidents": lambda f: f.incidents,
    "signal_to_declaration_median_seconds": lambda f: f.signal_to_declaration.median_seconds,
    "first_public_update_median_seconds": (
        lambda f: f.declaration_to_first_public_update.median_seconds
    ),
    "resolution_median_seconds": lambda f: f.to_resolution.median_seconds,
    "cadence_share": lambda f: f.cadence_share,
    "roll_call_median_seconds": lambda f: f.roll_call_answers.median_seconds,
}


def _change(now: Figures, before: Figures | None) -> dict[str, float | None]:
    if before is None:
        return {}
    change = {}
    for name, read in TREND_FIGURES.items():
        a, b = read(now), read(before)
        change[name] = None if a is None or b is None else a - b
    return change


def _months(start: date, end: date) -> list[str]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def incident_metrics(start: date, end: date) -> MetricsReport:
    """The metrics of incidents that started from ``start`` to ``end`` (inclusive)."""
    zone = page_zone()
    lower, upper = day_start(start, zone), day_start(end + timedelta(days=1), zone)
    incidents = db.session.scalars(
        select(Incident)
        .where(Incident.started_at >= lower, Incident.started_at < upper)
        .order_by(Incident.started_at, Incident.id)
    ).all()
    ids = [i.id for i in incidents]
    updates: dict[int, list[IncidentUpdate]] = defaultdict(list)
    promises: dict[int, datetime] = {}
    signals: dict[int, list[datetime]] = defaultdict(list)
    calls: dict[int, list[RollCall]] = defaultdict(list)
    counts: Counter[int] = Counter()
    if ids:
        for update in db.session.scalars(
            select(IncidentUpdate).where(IncidentUpdate.incident_id.in_(ids))
        ):
            updates[update.incident_id].append(update)
        for update_id, promised in db.session.execute(
            select(FactSheet.update_id, FactSheet.next_update_at).where(
                FactSheet.incident_id.in_(ids),
                FactSheet.update_id.is_not(None),
                FactSheet.next_update_at.is_not(None),
            )
        ):
            promises[update_id] = promised
        for incident_id, created in db.session.execute(
            select(SuggestedIncident.incident_id, SuggestedIncident.created_at).where(
                SuggestedIncident.incident_id.in_(ids)
            )
        ):
            signals[incident_id].append(created)
        for call in db.session.scalars(select(RollCall).where(RollCall.incident_id.in_(ids))):
            calls[call.incident_id].append(call)
        counts.update(
            db.session.scalars(
                select(IncidentComponent.component_id).where(IncidentComponent.incident_id.in_(ids))
            )
        )
    cadences = _cadences()
    facts = [
        _incident_facts(
            i, updates[i.id], promises, signals[i.id], calls[i.id], cadences[i.impact], zone
        )
        for i in incidents
    ]
    components = {
        c.id: c for c in db.session.scalars(select(Component).where(Component.id.in_(list(counts))))
    }
    by_component = sorted(
        ((components[cid], n) for cid, n in counts.items() if cid in components),
        key=lambda item: (-item[1], item[0].name),
    )
    months, before = [], None
    for key in _months(start, end):
        figures = _figures([f for f in facts if f.month == key])
        months.append(Month(key, figures, _change(figures, before)))
        before = figures
    return MetricsReport(start, end, _figures(facts), by_component, months)


def today() -> date:
    from app.models import utcnow

    return local_day(utcnow(), page_zone())


CSV_COLUMNS = (
    "month",
    "incidents",
    *(f"impact_{impact}" for impact in IMPACTS),
    "signal_to_declaration_median_seconds",
    "first_public_update_median_seconds",
    "resolution_median_seconds",
    "updates_due",
    "updates_on_cadence",
    "cadence_share",
    "roll_calls_asked",
    "roll_calls_answered",
    "roll_call_median_seconds",
)


def csv_rows(report: MetricsReport) -> list[list]:
    """One row per month, then the period's total ("total" in the month column)."""

    def row(label: str, f: Figures) -> list:
        share = f.cadence_share
        return [
            label,
            f.incidents,
            *(f.by_impact.get(impact, 0) for impact in IMPACTS),
            _number(f.signal_to_declaration.median_seconds),
            _number(f.declaration_to_first_public_update.median_seconds),
            _number(f.to_resolution.median_seconds),
            f.updates_due,
            f.updates_on_cadence,
            "" if share is None else f"{share:.4f}",
            f.roll_calls_asked,
            f.roll_call_answers.count,
            _number(f.roll_call_answers.median_seconds),
        ]

    return [row(m.month, m.figures) for m in report.months] + [row("total", report.total)]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
