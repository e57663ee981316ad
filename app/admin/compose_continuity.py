"""Admin: continuity in the composer. A new fact sheet starts from the incident's last
one, and the composer and the set's page show what changed since the last published
update (app/comms/continuity.py), rendered on the server: no script."""

from __future__ import annotations

from sqlalchemy import select

from app.admin import bp, local_to_utc, utc_to_local_input
from app.comms import continuity
from app.comms.audience_keys import TEAM_DRAFT_PHASES, TEAMS
from app.comms.cadence import pace_impact, suggested_next_update_at
from app.comms.context import Facts
from app.models import Component, FactSheet, Incident
from core.db import db
from core.vocab import COMPONENT_STATUSES


def suggested_next_update(incident: Incident, impact: str | None = None):
    """The next update's suggested time (``cadence.suggested_next_update_at``) as the
    datetime-local value of the page's time zone."""
    return utc_to_local_input(suggested_next_update_at(incident, impact))


def compose_defaults(incident: Incident, audiences, sheet: FactSheet | None = None) -> dict:
    """The composer's first values: the incident's status, the impact of its newest set
    (published or about to be), every audience, a next update from that impact's cadence,
    and every other fact from the last fact sheet. From ``sheet`` (its page's "Change the
    facts"), every value is that set's: status, impact, audiences, times and facts."""
    if sheet is not None:
        chosen = {d.audience_key for d in sheet.drafts}
        return {
            "status": sheet.status,
            "impact": sheet.impact,
            "audiences": [key for key in audiences if key in chosen],
            "next_update_at": utc_to_local_input(sheet.next_update_at),
            **_facts_values(Facts.of(sheet)),
        }
    impact = pace_impact(incident)
    values = {
        "status": incident.status,
        "impact": impact,
        # The teams are told of a resolution by Herald itself (drafting.compose).
        "audiences": [
            key for key in audiences if key != TEAMS or incident.status in TEAM_DRAFT_PHASES
        ],
        "next_update_at": suggested_next_update(incident, impact),
    }
    facts = continuity.carried_facts(incident)
    if facts is not None:
        values.update(_facts_values(facts))
    return values


def _facts_values(facts: Facts) -> dict:
    return {
        "summary": facts.summary,
        "customer_impact": facts.customer_impact,
        "workaround": facts.workaround,
        "eta": utc_to_local_input(facts.eta),
        "technical_detail": facts.technical_detail,
    }


def sheet_to_start_from(incident: Incident, public_id: str | None) -> FactSheet | None:
    """The set of this incident the composer was opened from (``?from=``), if any; a set of
    another incident or none at all is ignored (the composer starts as usual)."""
    if not public_id:
        return None
    return db.session.scalar(
        select(FactSheet).where(
            FactSheet.public_id == public_id[:16], FactSheet.incident_id == incident.id
        )
    )


def carried_in_present_tense(incident: Incident, form) -> bool:
    """Whether the composer resolves the incident with "who is affected" as an unresolved
    update said it (carried over unchanged): it still tells the outage as happening now."""
    if form.status.data != "resolved":
        return False
    said = (form.customer_impact.data or "").strip()
    last = continuity.last_fact_sheet(incident)
    return (
        bool(said)
        and last is not None
        and last.status != "resolved"
        and said == (last.customer_impact or "").strip()
    )


def facts_of(form) -> Facts:
    """The fact sheet the composer's form holds."""
    return Facts(
        summary=form.summary.data or "",
        customer_impact=form.customer_impact.data or "",
        workaround=form.workaround.data or "",
        eta=local_to_utc(form.eta.data),
        next_update_at=local_to_utc(form.next_update_at.data),
        technical_detail=form.technical_detail.data or "",
    )


def compose_changes(incident: Incident, form, chosen, components: list[Component]):
    """What the composer's values change against the last published update (None
    before the first)."""
    statuses = {
        c: chosen.get(f"component-{c.id}")
        for c in components
        if chosen.get(f"component-{c.id}") in COMPONENT_STATUSES
    }
    return continuity.changes_since_published(
        incident,
        status=form.status.data,
        impact=form.impact.data,
        facts=facts_of(form),
        components=statuses,
    )


@bp.app_template_global("comms_sheet_changes")
def sheet_changes(sheet: FactSheet):
    """What a set of drafts changes against the update published before it."""
    query = select(FactSheet).where(
        FactSheet.incident_id == sheet.incident_id,
        FactSheet.id != sheet.id,
        FactSheet.published_at.is_not(None),
    )
    if sheet.published_at is not None:
        query = query.where(FactSheet.published_at <= sheet.published_at)
    before = db.session.scalars(query.order_by(FactSheet.published_at.desc()).limit(1)).first()
    if before is None:
        return None
    ids = {int(i): s for i, s in (sheet.components or {}).items()}
    found = db.session.scalars(select(Component).where(Component.id.in_(ids))).all()
    return continuity.changes_since_published(
        sheet.incident,
        status=sheet.status,
        impact=sheet.impact,
        facts=Facts.of(sheet),
        components={c: ids[c.id] for c in found},
        before=before,
    )
