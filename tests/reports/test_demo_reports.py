"""The demo shows both reports with data: a credits report for last month with a breach,
and metrics over the demo's 90 days with a signal's lead time."""

from __future__ import annotations

import re
from datetime import timedelta

from app.demo import seed_demo
from app.reports.credits import credits_report, parse_month
from app.reports.metrics import incident_metrics, today


def test_the_demo_has_a_breach_last_month_and_metrics_over_its_history(app, make_user, staff):
    seed_demo()
    report = credits_report(parse_month(None, today()))
    rows = {r.component.name: r for r in report.rows}
    assert set(rows) == {"Card payments", "REST API"}
    assert rows["Card payments"].breach and rows["Card payments"].credit == 10
    assert not rows["REST API"].breach

    metrics = incident_metrics(today() - timedelta(days=90), today())
    assert metrics.total.incidents >= 9
    assert metrics.total.signal_to_declaration.median_seconds == 360
    assert metrics.total.roll_calls_asked >= 2
    assert sum(1 for m in metrics.months if m.figures.incidents) >= 3

    client = staff(make_user("viewer"))
    assert "Breached" in client.get("/admin/credits").get_data(as_text=True)
    page = client.get("/admin/metrics").get_data(as_text=True)
    # Each of the demo's incidents was declared with its public text: that chart, all
    # 0 s, says so instead of drawing nothing.
    figures = re.findall(r"<figure>(.*?)</figure>", page, re.S)
    empty = [f for f in figures if "<svg" not in f]
    assert len(figures) == 5 and len(empty) == 1
    assert "No data in this range: every value is 0 s" in empty[0]
    assert "to the first public update" in empty[0]
