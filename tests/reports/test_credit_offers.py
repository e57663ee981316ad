"""The credit a resolved incident's customer text offers (``incident_credit``): for a
month still under way, only a breach already certain (the downtime so far over the whole
month), at the tier that certain figure reaches; after the month, its real figure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.reports.credits import assured_availability, availability, incident_credit
from app.status.components import create_component
from core.db import db
from tests.reports.history import BORN, at, outage

TIERS = [{"below": 99.95, "credit": 10}, {"below": 99.0, "credit": 25}]
DECEMBER = date(2025, 12, 1)
A_WEEK_IN = at(12, 8, 0)  # 7 days of December gone, 24 to come


@pytest.fixture
def api(app, audiences):
    component = create_component(
        None, "REST API", at=BORN, sla_percent=99.95, credit_tiers=TIERS, group_id=None
    )
    db.session.commit()
    return component


def test_a_small_outage_early_in_the_month_offers_no_credit(api):
    outage(api, "major_outage", at(12, 3, 10), 6)
    db.session.commit()
    # Month to date it is under the SLA (6 minutes of 7 days)...
    assert availability(api, DECEMBER, A_WEEK_IN) < 99.95
    # ...but over the whole month it stays above, so nothing is owed yet.
    assert assured_availability(api, DECEMBER, A_WEEK_IN) == pytest.approx(
        100 * (1 - 6 * 60 / (31 * 24 * 3600))
    )
    assert incident_credit([api], A_WEEK_IN) is None


def test_a_large_outage_offers_the_tier_its_certain_figure_reaches(api):
    outage(api, "major_outage", at(12, 3, 10), 2 * 60)
    db.session.commit()
    # Two hours: 98.8 % month to date (the 25 % tier), but 99.73 % at best over December.
    assert availability(api, DECEMBER, A_WEEK_IN) < 99.0
    assert assured_availability(api, DECEMBER, A_WEEK_IN) == pytest.approx(
        100 * (1 - 2 * 3600 / (31 * 24 * 3600))
    )
    assert incident_credit([api], A_WEEK_IN) == {
        "percent": "10",
        "components": ["REST API"],
        "month": "December 2025",
    }

    outage(api, "major_outage", at(12, 5, 10), 8 * 60)
    db.session.commit()
    # Ten hours in all: below 99 % whatever the rest of the month brings.
    assert incident_credit([api], A_WEEK_IN + timedelta(days=1))["percent"] == "25"


def test_after_the_month_the_real_figure_counts(api):
    outage(api, "major_outage", at(12, 3, 10), 30)
    db.session.commit()
    january = at(12, 31, 0) + timedelta(days=6)
    assert assured_availability(api, DECEMBER, january) == availability(api, DECEMBER, january)
    assert availability(api, DECEMBER, january) == pytest.approx(
        100 * (1 - 30 * 60 / (31 * 24 * 3600))
    )
