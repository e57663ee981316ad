"""Admin: an incident's communication log (with Markdown and CSV exports for the
post-incident review) and the update cadence shown on the dashboard and incident list."""

from __future__ import annotations

from flask import Response, g, render_template

from app.admin import bp
from app.auth.permissions import requires
from app.comms import cadence, log
from app.models import Incident
from app.notifier import team_updates
from app.timeutil import human_duration
from core.db import db
from subscribers.models import Broadcast


@bp.app_template_global("overdue_incident_ids")
def overdue_incident_ids() -> set[int]:
    """Ids of the unresolved incidents whose next update is overdue (once a request)."""
    if "overdue_incident_ids" not in g:
        g.overdue_incident_ids = {incident.id for incident in cadence.overdue()}
    return g.overdue_incident_ids


@bp.app_template_global("comms_sent_to_teams")
def sent_to_teams(draft) -> list[tuple[str, Broadcast]]:
    return team_updates.sent_to_teams(draft)


@bp.app_template_global("comms_team_sections")
def team_sections(sheet):
    """What each team would read under the set's teams text if it were published now
    (the set's component statuses applied, as publishing applies them first)."""
    planned = {int(cid): status for cid, status in (sheet.components or {}).items()}
    return team_updates.sections_now(sheet.incident, planned)


@bp.get("/incidents/<int:incident_id>/communications")
@requires("view_admin")
def communications(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    first = log.time_to_first_public_update(incident)
    return render_template(
        "admin/communications.html",
        incident=incident,
        entries=log.entries(incident),
        channels=log.CHANNELS,
        first_public=human_duration(first.total_seconds()) if first is not None else None,
    )


def _download(body: str, incident: Incident, extension: str, mimetype: str) -> Response:
    filename = f"incident-{incident.public_id}-communications.{extension}"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/incidents/<int:incident_id>/communications.md")
@requires("view_admin")
def communications_markdown(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    return _download(log.as_markdown(incident), incident, "md", "text/markdown")


@bp.get("/incidents/<int:incident_id>/communications.csv")
@requires("view_admin")
def communications_csv(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    return _download(log.as_csv(incident), incident, "csv", "text/csv")
