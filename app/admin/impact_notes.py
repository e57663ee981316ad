"""Admin: the impact warning (app/status/impact.py) on the incident page and in the
composer. It warns and suggests; what the lead chose is kept."""

from __future__ import annotations

from flask import flash

from app.admin import bp
from app.models import Component, FactSheet, Incident
from app.status import impact
from core.vocab import COMPONENT_STATUSES


@bp.app_template_global("impact_advice")
def incident_advice(incident: Incident) -> impact.ImpactAdvice | None:
    """The warning for an open incident whose impact is below what it does."""
    return impact.impact_advice(incident)


@bp.app_template_global("impact_told")
def impact_told(incident: Incident) -> str:
    """The impact Herald tells people (the pages, the messages): with the staff's choice
    beside it when that is lower, so no staff screen says "minor" alone while every
    message says "major"."""
    told = impact.effective_impact(incident)
    return told if told == incident.impact else f"{told} (chosen: {incident.impact})"


@bp.app_template_global("sheet_impact_told")
def sheet_impact_told(sheet: FactSheet) -> str:
    """A set's impact as its texts say it, with the lead's choice beside it when lower."""
    told = impact.sheet_impact_told(sheet)
    return told if told == sheet.impact else f"{told} (chosen: {sheet.impact})"


@bp.app_template_global("impact_advice_for")
def form_advice(
    chosen_impact: str, chosen: dict, components: list[Component]
) -> impact.ImpactAdvice | None:
    """The warning for a form's impact and its ``component-<id>`` statuses."""
    statuses = {
        c: chosen.get(f"component-{c.id}")
        for c in components
        if chosen.get(f"component-{c.id}") in COMPONENT_STATUSES
    }
    return impact.advise(chosen_impact, statuses)


def warn_about_sheet(sheet: FactSheet, chosen: list[str] = ()) -> None:
    """Flash the notes for a set of drafts just written for the ``chosen`` audiences:
    the teams left out at resolution, and the impact's warning."""
    if "teams" in chosen and all(d.audience_key != "teams" for d in sheet.drafts):
        flash(
            "No draft for the teams: when this update is published, Herald tells every "
            "team itself that the incident is resolved, with which of its services are "
            "operational again.",
            "info",
        )
    advice = impact.advise_sheet(sheet)
    if advice is not None:
        flash(f"{advice.message} Publishing applies the fact sheet's impact.", "warning")
