"""Management API: incident metrics for a period and service credits for a month, the
same reports as /admin/metrics and /admin/credits (app/reports)."""

from __future__ import annotations

from flask import Response, jsonify, request

from app.api import bp
from app.api.auth import allow
from app.api.errors import ApiError
from app.reports import credits, metrics
from app.reports.csvtext import csv_text

FORMATS = ("json", "csv")


def _format() -> str:
    chosen = request.args.get("format", "json")
    if chosen not in FORMATS:
        raise ApiError(400, "invalid", "format must be json or csv.", "format")
    return chosen


def _csv(body: str, name: str) -> Response:
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/metrics")
@allow("view_admin")
def incident_metrics():
    chosen = _format()
    start, end = metrics.parse_period(
        request.args.get("from"), request.args.get("to"), metrics.today()
    )
    report = metrics.incident_metrics(start, end)
    if chosen == "csv":
        return _csv(
            csv_text(metrics.CSV_COLUMNS, metrics.csv_rows(report)),
            f"herald-metrics-{start.isoformat()}-{end.isoformat()}.csv",
        )
    return jsonify(report.as_dict())


@bp.get("/service-credits")
@allow("view_admin")
def service_credits():
    chosen = _format()
    first = credits.parse_month(request.args.get("month"), metrics.today())
    report = credits.credits_report(first)
    if chosen == "csv":
        return _csv(
            csv_text(credits.CSV_COLUMNS, credits.csv_rows(report)),
            f"herald-credits-{first.strftime('%Y-%m')}.csv",
        )
    return jsonify(report.as_dict())
