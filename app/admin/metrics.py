"""Admin: incident metrics for a period, with bar charts per month and a CSV export."""

from __future__ import annotations

from flask import Response, flash, render_template, request

from app.admin import bp
from app.admin.charts import bar_chart
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
    return human_duration(seconds)


def charts(report: metrics.MetricsReport) -> list:
    months = report.months
    label = [m.month for m in months]

    def series(read):
        return list(zip(label, [read(m.figures) for m in months], strict=True))

    return [
        bar_chart("Incidents per month", series(lambda f: f.incidents)),
        bar_chart(
            "Median time from declaration to resolution",
            series(lambda f: f.to_resolution.median_seconds),
            _minutes,
        ),
        bar_chart(
            "Median time from declaration to the first public update",
            series(lambda f: f.declaration_to_first_public_update.median_seconds),
            _minutes,
        ),
        bar_chart(
            "Share of updates posted on cadence",
            series(lambda f: f.cadence_share),
            lambda v: f"{v:.0%}",
            maximum=1.0,
        ),
        bar_chart(
            "Median roll-call answer time",
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
        duration=lambda s: "–" if s is None else human_duration(s),
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
