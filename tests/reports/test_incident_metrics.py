"""Incident metrics (app/reports/metrics.py) on a constructed history with known figures,
the /admin/metrics page with its SVG charts and CSV, and GET /api/v1/metrics."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from app import accounts
from app.incidents.services import declare_incident
from app.models import RollCall
from app.reports.metrics import incident_metrics, parse_period
from core.db import db
from core.errors import ServiceError
from tests.api.helpers import error_of
from tests.reports.history import at, metrics_history


@pytest.fixture
def history(app, audiences):
    return metrics_history()


def test_the_figures_of_the_period_are_exact(history):
    report = incident_metrics(date(2025, 9, 1), date(2025, 10, 31)).as_dict()
    assert report["from"] == "2025-09-01" and report["to"] == "2025-10-31"
    assert report["incidents"] == 3
    assert report["by_impact"] == {"none": 0, "minor": 1, "major": 1, "critical": 1}
    assert [(c["name"], c["incidents"]) for c in report["by_component"]] == [
        ("API", 2),
        ("Database", 1),
    ]
    assert report["signal_to_declaration"] == {
        "count": 1,
        "median_seconds": 600,
        "mean_seconds": 600,
    }
    assert report["declaration_to_first_public_update"] == {
        "count": 3,
        "median_seconds": 0,
        "mean_seconds": 600,
    }
    assert report["declaration_to_resolution"] == {
        "count": 3,
        "median_seconds": 3600,
        "mean_seconds": 4100,
    }
    assert report["cadence"] == {"updates": 5, "on_cadence": 3, "share": 0.6}
    assert report["roll_calls"] == {
        "asked": 2,
        "answered": 1,
        "median_seconds": 600,
        "mean_seconds": 600,
    }


def test_each_month_has_its_figures_and_the_change_from_the_month_before(history):
    september, october = incident_metrics(date(2025, 9, 1), date(2025, 10, 31)).months
    assert september.month == "2025-09" and september.change == {}
    assert september.figures.incidents == 2
    assert september.figures.to_resolution.median_seconds == 5400
    assert (september.figures.updates_on_cadence, september.figures.updates_due) == (2, 3)
    assert october.figures.incidents == 1
    assert october.figures.to_resolution.median_seconds == 1500
    assert october.figures.cadence_share == 0.5
    assert october.change["incidents"] == -1
    assert october.change["resolution_median_seconds"] == -3900
    assert october.change["cadence_share"] == pytest.approx(0.5 - 2 / 3)
    # No roll call in October: no figure to compare.
    assert october.change["roll_call_median_seconds"] is None


def test_a_period_counts_incidents_by_when_they_started(history):
    report = incident_metrics(date(2025, 10, 1), date(2025, 10, 31))
    assert report.total.incidents == 1
    assert [m.month for m in report.months] == ["2025-10"]
    assert incident_metrics(date(2025, 11, 1), date(2025, 11, 30)).total.incidents == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-13-01", None), ("yesterday", None), ("2025-10-02", "2025-10-01"), ("2020-01-01", None)],
)
def test_bad_periods_are_refused(app, start, end):
    with pytest.raises(ServiceError):
        parse_period(start, end, date(2025, 12, 1))


def test_the_default_period_is_three_calendar_months(app):
    assert parse_period(None, None, date(2025, 12, 7)) == (date(2025, 10, 1), date(2025, 12, 7))


def test_the_admin_page_draws_svg_bars_per_month_with_no_script(history, make_user, staff):
    client = staff(make_user("viewer"))
    page = client.get("/admin/metrics?from=2025-09-01&to=2025-10-31")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 5
    assert "<title>Incidents per month</title>" in html
    assert "<title>2025-09: 2</title>" in html and "<title>2025-10: 1</title>" in html
    assert "<title>2025-10: 50%</title>" in html  # the share on cadence in October
    assert "<script" not in html.split("<h2>Per month</h2>")[1]
    assert "Checkout" not in html  # figures, not incident names
    assert ">API</td><td>2<" in html


def test_the_admin_page_refuses_bad_dates(app, make_user, staff):
    client = staff(make_user("viewer"))
    assert client.get("/admin/metrics?from=2025-02-30").status_code == 400
    assert client.get("/admin/metrics.csv?from=2025-10-02&to=2025-10-01").status_code == 400


def test_the_csv_has_a_row_per_month_and_a_total(history, make_user, staff):
    client = staff(make_user("viewer"))
    response = client.get("/admin/metrics.csv?from=2025-09-01&to=2025-10-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["month"] for r in rows] == ["2025-09", "2025-10", "total"]
    total = rows[-1]
    assert total["incidents"] == "3" and total["impact_critical"] == "1"
    assert total["resolution_median_seconds"] == "3600"
    assert total["cadence_share"] == "0.6000"
    assert total["roll_calls_asked"] == "2" and total["roll_calls_answered"] == "1"
    assert rows[0]["signal_to_declaration_median_seconds"] == "600"
    assert rows[1]["signal_to_declaration_median_seconds"] == ""


def test_the_api_answers_the_same_figures_and_csv(history, make_user, api):
    client = api(make_user("viewer"))
    response = client.get("/api/v1/metrics?from=2025-09-01&to=2025-10-31")
    assert response.status_code == 200
    body = response.get_json()
    assert body["incidents"] == 3 and body["cadence"]["share"] == 0.6
    assert [m["month"] for m in body["months"]] == ["2025-09", "2025-10"]
    assert body["months"][1]["change"]["incidents"] == -1
    as_csv = client.get("/api/v1/metrics?from=2025-09-01&to=2025-10-31&format=csv")
    assert as_csv.mimetype == "text/csv"
    assert as_csv.get_data(as_text=True).splitlines()[-1].startswith("total,3,")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-9-1", "from"),
        ("to=31/10/2025", "to"),
        ("from=2025-10-02&to=2025-10-01", "from"),
        ("from=2020-01-01&to=2025-10-01", "from"),
        ("format=xml", "format"),
    ],
)
def test_the_api_refuses_bad_input_with_400(app, make_user, api, query, field):
    error = error_of(api(make_user("viewer")).get(f"/api/v1/metrics?{query}"), 400)
    assert error["field"] == field


def test_the_api_needs_a_token(app, api):
    error_of(api(None).get("/api/v1/metrics"), 401)


def test_each_chart_is_a_figure_with_a_caption_matching_its_title(history, make_user, staff):
    client = staff(make_user("viewer"))
    html = client.get("/admin/metrics?from=2025-09-01&to=2025-10-31").get_data(as_text=True)
    figures = re.findall(r"<figure>(.*?)</figure>", html, re.S)
    assert len(figures) == 5
    for figure in figures:
        title = re.search(r"<svg[^>]*><title>([^<]+)</title>", figure).group(1)
        caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S).group(1)
        assert caption.startswith(title)
    first_public = next(f for f in figures if "first public update" in f)
    assert "0 s means the declaration itself carried the first public text" in first_public
    assert 'id="first-public-note"' in html


def test_after_a_bad_date_the_fields_keep_what_was_typed(app, make_user, staff):
    client = staff(make_user("viewer"))
    response = client.get("/admin/metrics?from=2025-02-30&to=2025-03-31")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'<input type="text"[^>]*id="from" name="from" value="2025-02-30"', html)
    assert re.search(r'<input type="text"[^>]*id="to" name="to" value="2025-03-31"', html)


def test_a_chart_with_nothing_to_draw_says_so_in_its_place(history, make_user, staff):
    client = staff(make_user("viewer"))
    quiet = client.get("/admin/metrics?from=2025-05-01&to=2025-06-30").get_data(as_text=True)
    figures = re.findall(r"<figure>(.*?)</figure>", quiet, re.S)
    assert len(figures) == 5 and "<svg" not in quiet
    assert all(f.startswith('<p class="chart-empty">No data in this range') for f in figures)
    assert '<p class="chart-empty">No data in this range</p>' in figures[1]  # no resolutions
    assert "<figcaption>Incidents per month</figcaption>" in quiet  # still says what it is
    # A month whose only incident was declared with its public text: a median of 0 s.
    api = history["api"]
    declare_incident(
        None,
        "Quick blip",
        "minor",
        {api: "degraded_performance"},
        body="A short blip.",
        started_at=at(12, 2, 9),
        deliver_notifications=False,
        reviewed=True,
    )
    db.session.commit()
    html = client.get("/admin/metrics?from=2025-12-01&to=2025-12-31").get_data(as_text=True)
    drawn = {
        re.search(r"<figcaption>([^<]+)", f).group(1).strip(): "<svg" in f
        for f in re.findall(r"<figure>(.*?)</figure>", html, re.S)
    }
    assert drawn == {
        "Incidents per month": True,
        "Median time from declaration to resolution, per month": False,
        "Median time from declaration to the first public update, per month": False,
        "Share of updates posted on cadence, per month": False,
        "Median time for a team to answer a roll call, per month": False,
    }
    assert "No data in this range: every value is 0 s" in html  # not a blank chart


def test_durations_round_to_the_nearest_minute_on_the_page_and_stay_exact_in_the_csv(
    history, make_user, staff
):
    incident = declare_incident(
        None,
        "Roll call",
        "minor",
        {history["api"]: "degraded_performance"},
        body="Looking.",
        started_at=at(11, 3, 9),
        deliver_notifications=False,
        reviewed=True,
    )
    team = accounts.create_team(None, "Payments")
    db.session.add(
        RollCall(
            incident_id=incident.id,
            team_id=team.id,
            state="operational",
            token="t-390",
            created_at=at(11, 3, 9),
            answered_at=at(11, 3, 9, 6).replace(second=30),  # 390 s: 6.5 min
        )
    )
    db.session.commit()
    client = staff(make_user("viewer"))
    query = "from=2025-11-01&to=2025-11-30"
    html = client.get(f"/admin/metrics?{query}").get_data(as_text=True)
    row = re.search(r"<th scope=\"row\">Roll-call answer</th><td>([^<]+)</td>", html).group(1)
    assert row == "7 min"
    assert "<title>2025-11: 7 min</title>" in html  # the chart says the same
    body = client.get(f"/admin/metrics.csv?{query}").get_data(as_text=True)
    total = list(csv.DictReader(io.StringIO(body)))[-1]
    assert total["roll_call_median_seconds"] == "390"
