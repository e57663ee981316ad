"""Service credits: each component's availability in a calendar month, whether it missed
its SLA, and the credit its tiers owe.

Availability is computed as the page computes uptime (app/status/uptime.py): from the
daily roll-up plus the open interval, each status counting as down with the weight of
``HERALD_UPTIME_WEIGHTS``, over the part of the month the component existed (up to now
for the current month). A component breaches when its availability is below its
``sla_percent``; the credit is the largest of its ``credit_tiers`` whose ``below`` the
availability is under (below 99.9 → 10 %, below 99.0 → 25 %: 98.5 % owes 25 %). A resolved
incident's customer text offers a credit for the month under way only once the breach is
certain: the downtime so far, over the whole month, already puts it below the SLA.

Customers are the subscribers tied to a component: active subscribers whose component
selection names it or its group, and active subscribers of the ``customers`` audience who
chose every component (``Subscriber.all_components``): they are told of every public
component, so each public component's breach owes them a credit too. Staff and other
internal audiences subscribed to everything are not customers. A private page is a
customer too (its viewers), tied to the components it shows (app/reports/page_credits.py).
Nobody is owed a credit for a month that ended before they subscribed (or the page was made).

The SLA and tiers themselves are read and checked in app/reports/sla_terms.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.models import Component, DailyUptime, utcnow
from app.reports.page_credits import page_viewers, pages_tied
from app.reports.sla_terms import plain_number
from app.status.history import ROLLUP_FIELDS
from app.timeutil import day_start, local_day, page_zone
from core.db import db
from core.errors import ServiceError
from subscribers.models import Audience, Subscriber, Subscription

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# The credit owed ---------------------------------------------------------------------------


def credit_for(tiers: list[dict] | None, availability: float) -> float | None:
    """The credit (percent) the tiers owe at this availability, or None if none applies."""
    owed = [t["credit"] for t in tiers or () if availability < t["below"]]
    return max(owed) if owed else None


# Months ------------------------------------------------------------------------------------


def parse_month(text: str | None, today: date) -> date:
    """``YYYY-MM`` to the month's first day; a month after the current one is refused.
    Missing: last month."""
    if not text:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    match = MONTH_RE.match(text)
    month = int(match.group(2)) if match else 0
    if not match or not 1 <= month <= 12 or int(match.group(1)) < 1970:
        raise ServiceError(f"'month' must look like 2026-03; got {text!r}.", "month")
    first = date(int(match.group(1)), month, 1)
    if first > today:
        raise ServiceError("That month has not begun.", "month")
    return first


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


# Availability ------------------------------------------------------------------------------


def availability(component: Component, first: date, now: datetime | None = None) -> float | None:
    """The component's availability (percent) in the month beginning ``first``, up to now
    for the current month; None when it did not exist in it."""
    now = now or utcnow()
    start, month_end = _window(component, first)
    end = min(month_end, now)
    observed = (end - start).total_seconds()
    if observed <= 0:
        return None
    down = _downtime(component, first, start, end)
    return 100.0 * (1.0 - min(down, observed) / observed)


def assured_availability(
    component: Component, first: date, now: datetime | None = None
) -> float | None:
    """The most the component's availability in the month beginning ``first`` can still
    be: the downtime so far counted against the whole month (as if it stays up for the
    rest), so a figure under the SLA is a breach already certain. Once the month has
    ended it is the month's availability. None when the component did not exist yet."""
    now = now or utcnow()
    start, month_end = _window(component, first)
    end = min(month_end, now)
    if end <= start:
        return None
    whole = (month_end - start).total_seconds()
    down = _downtime(component, first, start, end)
    return 100.0 * (1.0 - min(down, whole) / whole)


def _window(component: Component, first: date) -> tuple[datetime, datetime]:
    """The part of the month beginning ``first`` after the component was made, whole."""
    zone = page_zone()
    return max(day_start(first, zone), component.created_at), day_start(next_month(first), zone)


def _downtime(component: Component, first: date, start: datetime, end: datetime) -> float:
    """Seconds down (weighted) in the month beginning ``first`` between start and end."""
    weights = current_app.config["UPTIME_WEIGHTS"]
    down = 0.0
    last_day = next_month(first) - timedelta(days=1)
    for row in db.session.execute(
        select(*[getattr(DailyUptime, f) for f in ROLLUP_FIELDS]).where(
            DailyUptime.component_id == component.id,
            DailyUptime.day >= first,
            DailyUptime.day <= last_day,
        )
    ):
        down += sum(
            weights.get(f, 0.0) * (v or 0.0) for f, v in zip(ROLLUP_FIELDS, row, strict=True)
        )
    # The open interval is not in the roll-up yet (as on the page).
    if component.effective_status != "operational":
        since = max(component.status_changed_at, start)
        if end > since:
            down += weights.get(component.effective_status, 0.0) * (end - since).total_seconds()
    return down


# The report --------------------------------------------------------------------------------


SUBSCRIBER, PRIVATE_PAGE = "subscriber", "private_page"


@dataclass
class Customer:
    """A subscriber tied to components (by its selection), or a private page (one
    customer: its viewers read it)."""

    id: int | str  # a subscriber's id, or "page:<id>"
    kind: str  # SUBSCRIBER or PRIVATE_PAGE
    name: str
    address: str = ""  # a subscriber's
    channel: str = ""
    audience: str = ""
    key_account: bool = False
    page: str = ""  # a private page's slug
    viewers: list[str] = field(default_factory=list)  # a private page's, by address

    @property
    def label(self) -> str:
        if self.kind == PRIVATE_PAGE or not self.address:
            return self.name
        return f"{self.name} <{self.address}>" if self.name else self.address

    @property
    def who(self) -> str:
        """The customer in one cell: a private page by its name, a subscriber by address."""
        return self.name if self.kind == PRIVATE_PAGE else self.address

    def as_dict(self) -> dict:
        if self.kind == PRIVATE_PAGE:
            return {
                "kind": PRIVATE_PAGE,
                "page": self.page,
                "name": self.name,
                "viewers": list(self.viewers),
            }
        return {
            "kind": SUBSCRIBER,
            "address": self.address,
            "name": self.name,
            "channel": self.channel,
            "audience": self.audience,
            "key_account": self.key_account,
        }


@dataclass
class ComponentCredit:
    component: Component
    sla_percent: float
    availability: float | None
    breach: bool
    credit: float | None  # percent owed; None when no breach (0 when no tier applies)
    customers: list[Customer] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "id": self.component.public_id,
            "name": self.component.name,
            "sla_percent": self.sla_percent,
            "availability_percent": self.availability,
            "breach": self.breach,
            "credit_percent": self.credit,
            "customers": [c.as_dict() for c in self.customers],
        }


@dataclass
class CreditsReport:
    month: date
    rows: list[ComponentCredit]

    @property
    def breaches(self) -> list[ComponentCredit]:
        return [r for r in self.rows if r.breach]

    def by_customer(self) -> list[tuple[Customer, list[ComponentCredit]]]:
        """Each customer with the breached components it is tied to."""
        found: dict[int, tuple[Customer, list[ComponentCredit]]] = {}
        for row in self.breaches:
            for customer in row.customers:
                found.setdefault(customer.id, (customer, []))[1].append(row)
        return sorted(found.values(), key=lambda item: item[0].label.lower())

    def as_dict(self) -> dict:
        return {
            "month": self.month.strftime("%Y-%m"),
            "components": [r.as_dict() for r in self.rows],
            "customers": [
                {
                    **customer.as_dict(),
                    "credits": [
                        {
                            "id": r.component.public_id,
                            "name": r.component.name,
                            "credit_percent": r.credit,
                        }
                        for r in rows
                    ],
                }
                for customer, rows in self.by_customer()
            ],
        }


def customers_of(components: list[Component], end: datetime) -> dict[int, list[Customer]]:
    """Active subscribers whose selection names each component or its group, and the
    private pages that show it; only those who subscribed (or were made) before ``end``."""
    if not components:
        return {}
    by_group: dict[int, list[int]] = defaultdict(list)
    for c in components:
        if c.group_id is not None:
            by_group[c.group_id].append(c.id)
    ids = [c.id for c in components]
    rows = db.session.execute(
        select(Subscription.component_id, Subscription.group_id, Subscriber)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(
            Subscriber.state == "active",
            Subscriber.created_at < end,
            Subscriber.all_components.is_(False),
            or_(Subscription.component_id.in_(ids), Subscription.group_id.in_(list(by_group))),
        )
        .order_by(Subscriber.address, Subscriber.id)
    ).all()
    everything = db.session.scalars(
        select(Subscriber)
        .join(Audience, Audience.id == Subscriber.audience_id)
        .where(
            Subscriber.state == "active",
            Subscriber.created_at < end,
            Subscriber.all_components.is_(True),
            Audience.key == "customers",
        )
        .order_by(Subscriber.address, Subscriber.id)
    ).all()
    public_ids = [c.id for c in components if c.visibility == "public"]
    pairs = [(t, s) for c, g, s in rows for t in _targets(c, g, by_group)]
    pairs += [(cid, s) for s in everything for cid in public_ids]
    result: dict[int, dict[int, Customer]] = defaultdict(dict)
    for target, s in sorted(pairs, key=lambda p: (p[1].address, p[1].id)):
        result[target][s.id] = Customer(
            s.id,
            SUBSCRIBER,
            s.name,
            address=s.address,
            channel=s.channel,
            audience=s.audience.key,
            key_account=s.key_account,
        )
    for target, page in pages_tied(ids, end):
        result[target][f"page:{page.id}"] = Customer(
            f"page:{page.id}",
            PRIVATE_PAGE,
            page.name,
            audience=page.audience_key,
            page=page.slug,
            viewers=page_viewers(page),
        )
    return {cid: list(found.values()) for cid, found in result.items()}


def _targets(component_id, group_id, by_group: dict[int, list[int]]) -> list[int]:
    """The components one selection row names: itself, or its group's."""
    return [component_id] if component_id is not None else by_group.get(group_id, [])


def credits_report(first: date, now: datetime | None = None) -> CreditsReport:
    """Every component with an SLA, for the month beginning ``first``."""
    now = now or utcnow()
    components = db.session.scalars(
        select(Component)
        .where(Component.sla_percent.is_not(None))
        .order_by(Component.position, Component.name)
    ).all()
    end = day_start(next_month(first), page_zone())
    customers = customers_of(list(components), end)
    rows = []
    for component in components:
        percent = availability(component, first, now)
        breach = percent is not None and percent < component.sla_percent
        credit = None
        if breach:
            credit = credit_for(component.credit_tiers, percent) or 0.0
        rows.append(
            ComponentCredit(
                component,
                component.sla_percent,
                percent,
                breach,
                credit,
                customers.get(component.id, []),
            )
        )
    return CreditsReport(first, rows)


def incident_credit(components: list[Component], now: datetime | None = None) -> dict | None:
    """What a resolved incident's customer text can offer: the largest credit owed this
    month by those of ``components`` whose breach of their SLA is already certain (the
    month is under way: its downtime so far, over the whole month, is below the SLA;
    ``assured_availability``), at the tier that certain figure reaches, or None."""
    now = now or utcnow()
    first = local_day(now, page_zone()).replace(day=1)
    owed = []
    for component in components:
        if component.sla_percent is None:
            continue
        percent = assured_availability(component, first, now)
        if percent is None or percent >= component.sla_percent:
            continue
        credit = credit_for(component.credit_tiers, percent)
        if credit:
            owed.append((component, credit))
    if not owed:
        return None
    return {
        "percent": plain_number(max(credit for _, credit in owed)),
        "components": [c.name for c, _ in owed],
        "month": first.strftime("%B %Y"),
    }


CSV_COLUMNS = (
    "component",
    "month",
    "availability_percent",
    "sla_percent",
    "breach",
    "credit_percent",
    "customer_kind",
    "customer",
)


def csv_rows(report: CreditsReport) -> list[list]:
    """One row per component and customer, the customer in a cell of its own (a private
    page by its name, a subscriber by its address), so a spreadsheet can filter and
    group them; a component nobody is tied to has one row with the customer left empty."""
    month = report.month.strftime("%Y-%m")
    rows = []
    for r in report.rows:
        figures = [
            r.component.name,
            month,
            "" if r.availability is None else f"{r.availability:.4f}",
            plain_number(r.sla_percent),
            "yes" if r.breach else "no",
            "" if r.credit is None else plain_number(r.credit),
        ]
        rows += [[*figures, c.kind, c.who] for c in r.customers] or [[*figures, "", ""]]
    return rows
