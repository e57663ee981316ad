"""Admin: service credits for a month: each component with an SLA, its availability,
breaches and credits, and the customers tied to the breached components; CSV too."""

from __future__ import annotations

from flask import Response, flash, render_template, request

from app.admin import bp
from app.auth.permissions import requires
from app.reports import credits
from app.reports.csvtext import csv_text
from app.reports.metrics import today
from app.reports.sla_terms import plain_number
from core.errors import ServiceError


def _report():
    try:
        first = credits.parse_month(request.args.get("month") or None, today())
    except ServiceError as error:
        return None, error
    return credits.credits_report(first), None


@bp.get("/credits")
@requires("view_admin")
def service_credits():
    report, error = _report()
    if error is not None:
        flash(error.message, "error")
        return render_template("admin/credits.html", report=None), 400
    return render_template("admin/credits.html", report=report, number=plain_number)


@bp.get("/credits.csv")
@requires("view_admin")
def service_credits_csv():
    report, error = _report()
    if error is not None:
        return Response(error.message + "\n", status=400, mimetype="text/plain")
    name = f"herald-credits-{report.month.strftime('%Y-%m')}.csv"
    return Response(
        csv_text(credits.CSV_COLUMNS, credits.csv_rows(report)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
