"""Admin: incident metrics for a period, with bar charts per month and a CSV export."""

from __future__ import annotations

from flask import Response, flash, render_template, request

from app.admin import bp
from app.admin.charts import Chart, bar_chart, nothing_to_draw
from app.auth.permissions import requires
from app.reports import metrics
from app.reports.csvtext import csv_text
from app.timeutil import human_duration
from core.errors import ServiceError


def _report():
    """The report of the period the query names, or (None, the error) for bad dates."""
    try:
        start, end = metrics.parse_period(
            request.args.get("from") or None, request.args.get("to") or None, metrics.today()
        )
    except ServiceError as error:
        return None, error
    return metrics.incident_metrics(start, end), None


def _minutes(seconds: float) -> str:
    """A duration as the page shows it: to the nearest minute from a minute up (390 s is
    "7 min": half a minute rounds up, never down), in seconds below a minute. The CSV
    keeps the seconds (its columns say so)."""
    if seconds >= 60:
        seconds = int(seconds / 60 + 0.5) * 60
    return human_duration(seconds)


# Why "Declaration → first public update" can read 0 s (app/reports/metrics.py measures
# from the declaration to the first update with a public text, whoever wrote it).
FIRST_PUBLIC_NOTE = (
    "Declaration → first public update: 0 s means the declaration itself carried the "
    "first public text; otherwise it is the time until the first update with a public "
    "text (through the workflow, or a quick update when customers need no approval)."
)


def _chart(
    caption: str, bars, shown=lambda v: f"{v:g}", note: str = "", zero_counts=False, **kw
) -> Chart:
    """A bar chart whose SVG title and figure caption say the same thing; empty when it
    has no bar to draw (``zero_counts``: a 0 is a figure, only missing values are not)."""
    empty = nothing_to_draw(bars, shown, zero_counts)
    return Chart(bar_chart(caption, bars, shown, **kw), caption, note, empty)


def charts(report: metrics.MetricsReport) -> list[Chart]:
    months = report.months
    label = [m.month for m in months]

    def series(read):
        return list(zip(label, [read(m.figures) for m in months], strict=True))

    return [
        _chart("Incidents per month", series(lambda f: f.incidents)),
        _chart(
            "Median time from declaration to resolution, per month",
            series(lambda f: f.to_resolution.median_seconds),
            _minutes,
        ),
        _chart(
            "Median time from declaration to the first public update, per month",
            series(lambda f: f.declaration_to_first_public_update.median_seconds),
            _minutes,
            note=FIRST_PUBLIC_NOTE,
        ),
        _chart(
            "Share of updates posted on cadence, per month",
            series(lambda f: f.cadence_share),
            lambda v: f"{v:.0%}",
            zero_counts=True,  # 0 % on cadence is a figure: every update was late
            maximum=1.0,
        ),
        _chart(
            "Median time for a team to answer a roll call, per month",
            series(lambda f: f.roll_call_answers.median_seconds),
            _minutes,
        ),
    ]


@bp.get("/metrics")
@requires("view_admin")
def incident_metrics():
    report, error = _report()
    if error is not None:
        flash(error.message, "error")
        return render_template("admin/metrics.html", report=None, charts=[]), 400
    return render_template(
        "admin/metrics.html",
        report=report,
        charts=charts(report),
        first_public_note=FIRST_PUBLIC_NOTE,
        duration=lambda s: "–" if s is None else _minutes(s),
    )


@bp.get("/metrics.csv")
@requires("view_admin")
def incident_metrics_csv():
    report, error = _report()
    if error is not None:
        return Response(error.message + "\n", status=400, mimetype="text/plain")
    name = f"herald-metrics-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return Response(
        csv_text(metrics.CSV_COLUMNS, metrics.csv_rows(report)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
