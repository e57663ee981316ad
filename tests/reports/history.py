"""A constructed history with known figures, shared by the metrics and credits tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app import accounts
from app.incidents.services import declare_incident, post_incident_update
from app.models import FactSheet, RollCall, SuggestedIncident
from app.status.components import create_component
from core.db import db

BORN = datetime(2025, 1, 1, tzinfo=UTC)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def update(incident, status: str, when: datetime, body: str = "An update."):
    return post_incident_update(
        None, incident, status, body, at=when, deliver_notifications=False, reviewed=True
    )


def outage(component, status: str, start: datetime, minutes: int):
    """An incident with ``component`` at ``status`` from ``start`` for ``minutes``."""
    incident = declare_incident(
        None,
        f"{component.name} trouble",
        "major",
        {component: status},
        body="Trouble.",
        started_at=start,
        deliver_notifications=False,
        reviewed=True,
    )
    update(incident, "resolved", start + timedelta(minutes=minutes))
    return incident


def metrics_history() -> dict:
    """Three incidents in September and October 2025 (figures in the metrics tests)."""
    api = create_component(None, "API", at=BORN)
    database = create_component(None, "Database", at=BORN)
    team = accounts.create_team(None, "Platform")
    other_team = accounts.create_team(None, "Web")

    # September: major, declared from a signal 10 minutes old; updates at 10:00 (with the
    # declaration), 10:40 (due 11:00: on cadence), 12:00 resolved (due 11:40: late).
    checkout = declare_incident(
        None,
        "Checkout errors",
        "major",
        {api: "partial_outage"},
        body="Checkout fails for some customers.",
        started_at=at(9, 10, 10),
        deliver_notifications=False,
        reviewed=True,
    )
    update(checkout, "identified", at(9, 10, 10, 40))
    update(checkout, "resolved", at(9, 10, 12))
    db.session.add(
        SuggestedIncident(
            origin="alert",
            key="alert:checkout",
            name="CheckoutErrors",
            impact="major",
            state="declared",
            incident_id=checkout.id,
            created_at=at(9, 10, 9, 50),
        )
    )
    db.session.add_all(
        [
            RollCall(
                incident_id=checkout.id,
                team_id=team.id,
                state="operational",
                token="t1",
                created_at=at(9, 10, 10, 5),
                answered_at=at(9, 10, 10, 15),
            ),
            RollCall(
                incident_id=checkout.id,
                team_id=other_team.id,
                token="t2",
                created_at=at(9, 10, 10, 5),
            ),
        ]
    )

    # September: minor, declared with no message; first public update 30 minutes later,
    # resolved at 09:00 (due 10:30: on cadence).
    search = declare_incident(
        None,
        "Slow search",
        "minor",
        {database: "degraded_performance"},
        started_at=at(9, 20, 8),
        deliver_notifications=False,
    )
    update(search, "investigating", at(9, 20, 8, 30))
    update(search, "resolved", at(9, 20, 9))

    # October: critical; the first update promised the next by 14:10 (posted 14:20:
    # late, though the 30-minute cadence would have allowed it); resolved 14:25 (due 14:50).
    outage = declare_incident(
        None,
        "API down",
        "critical",
        {api: "major_outage"},
        body="The API is down.",
        started_at=at(10, 5, 14),
        deliver_notifications=False,
        reviewed=True,
    )
    first = outage.updates[-1]
    db.session.add(
        FactSheet(
            incident_id=outage.id,
            status="investigating",
            impact="critical",
            update_id=first.id,
            next_update_at=at(10, 5, 14, 10),
        )
    )
    update(outage, "identified", at(10, 5, 14, 20))
    update(outage, "resolved", at(10, 5, 14, 25))
    db.session.commit()
    return {"api": api, "database": database, "incidents": [checkout, search, outage]}
