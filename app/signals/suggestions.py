"""Suggested incidents: what a signal proposes to declare. One open suggestion per key;
staff declare it (the usual declaration, pre-filled) or dismiss it. A signal about
components an open incident already covers is kept on that incident instead
(app.signals.incident_signals); only the components no open incident covers are
suggested."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from app.comms import cadence, drafting
from app.comms.context import Facts
from app.incidents.services import declare_incident
from app.models import Component, Incident, IncidentComponent, SuggestedIncident, User
from app.notifier.events import IncidentSuggested
from app.notifier.notifier import notify
from app.signals.backing import CLAIMING_ORIGINS, CLEARED_NOTE, claimed_now, has_cleared
from app.signals.incident_signals import attach, covering_incidents
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.time import utcnow
from core.vocab import STATUS_SEVERITY


def open_suggestion(key: str) -> SuggestedIncident | None:
    return db.session.scalar(
        select(SuggestedIncident).where(
            SuggestedIncident.key == key, SuggestedIncident.state == "open"
        )
    )


def suggest(
    origin: str,
    key: str,
    *,
    name: str,
    impact: str,
    component_statuses: dict[int, str],
    facts: str,
    link: str = "",
) -> SuggestedIncident | None:
    """Propose an incident once per ``key`` while the last proposal is open; the incident
    team is alerted when it is new. A later call with the same key updates the open
    proposal's facts and components (the source said more, or its alert was re-targeted)
    without alerting again.

    Components an open incident already covers are not proposed again: the signal is
    kept on that incident (and the team told once); the rest, if any, are proposed. An
    open proposal whose components an open incident now all covers is closed (the signal
    is kept there). Returns None when an open incident covered them all."""
    covered: set[int] = set()
    for incident, ids in covering_incidents(component_statuses).items():
        attach(
            incident,
            origin,
            key,
            name=name,
            component_statuses={cid: component_statuses[cid] for cid in sorted(ids)},
            facts=facts,
            link=link,
        )
        covered |= ids
    all_covered = bool(covered) and covered >= set(component_statuses)
    component_statuses = {c: s for c, s in component_statuses.items() if c not in covered}
    existing = open_suggestion(key)
    if existing is not None:
        if all_covered:
            _close_as_joined(existing)
            return None
        existing.facts, existing.link = facts[:10_000], link
        existing.component_statuses = {str(c): s for c, s in component_statuses.items()}
        existing.component_ids = sorted(component_statuses)
        return existing
    if all_covered:
        return None
    statuses = {str(cid): status for cid, status in component_statuses.items()}
    suggestion = SuggestedIncident(
        origin=origin,
        key=key,
        name=name[:200],
        impact=impact,
        component_ids=sorted(component_statuses),
        component_statuses=statuses,
        facts=facts[:10_000],
        link=link,
        created_at=utcnow(),
    )
    db.session.add(suggestion)
    db.session.flush()
    notify(IncidentSuggested(suggestion))
    return suggestion


JOINED_NOTE = "an open incident covers its components; the signal is kept there"


def _close_as_joined(suggestion: SuggestedIncident) -> None:
    """Dismiss (by nobody, audited) an open suggestion whose signal joined open incidents."""
    suggestion.state = "dismissed"
    suggestion.decided_by_id = None
    suggestion.decided_at = utcnow()
    audit.record(
        None,
        "suggestion.dismiss",
        None,
        f"Dismissed the suggested incident {suggestion.name} ({suggestion.origin}): {JOINED_NOTE}",
    )


def _open_or_refuse(suggestion: SuggestedIncident, doing: str) -> None:
    if suggestion.state == "dismissed":
        why = f": {CLEARED_NOTE}" if has_cleared(suggestion) else ""
        raise Conflict(f"This suggestion was dismissed{why}; it cannot be {doing}.", "suggestion")


def _first_facts(suggestion: SuggestedIncident) -> Facts:
    """The fact sheet's first facts: the signal's first paragraph as the summary, all of
    what it said (and where) as the technical detail. The lead rewrites them for each
    audience in the composer; nothing here is published."""
    facts = (suggestion.facts or "").strip()
    first = facts.split("\n\n", 1)[0].strip() if facts else ""
    summary = " ".join(first.split()) or suggestion.name
    detail = facts + (f"\n\nSource: {suggestion.link}" if suggestion.link else "")
    return Facts(summary=summary[:2000], technical_detail=detail.strip())


DECLARED_NOTE = (
    "Declared {name} as an internal incident: the public page does not list the incident "
    "(its components still show the statuses the signal set, as before declaring) and no "
    "customer is told. Its first update is drafted for the internal audiences. To tell "
    "customers, set Visibility to public under Details on its page (from then on the public "
    "page lists it), then draft, approve and publish an update for customers."
)


def _components_to_declare(suggestion: SuggestedIncident) -> dict[Component, str]:
    """The statuses declaring applies, chosen so that declaring changes nothing anyone
    sees: for a vendor's or an alert's suggestion only the components its source still
    claims, at what the source claims now; for a listening suggestion (which claims
    nothing) its components as they are. Never lower than a component shows now."""
    if suggestion.origin in CLAIMING_ORIGINS:
        claimed = claimed_now(suggestion)
    else:
        claimed = {int(cid): "operational" for cid in (suggestion.component_statuses or {})}
    found = db.session.scalars(select(Component).where(Component.id.in_(claimed))).all()
    return {
        c: max(claimed[c.id], c.status, key=STATUS_SEVERITY.__getitem__)
        for c in sorted(found, key=lambda c: (c.position, c.name))
    }


def declare_suggestion(actor: User | None, suggestion: SuggestedIncident) -> Incident:
    """Declare the suggested incident as staff declare one (the same service), as an
    *internal* incident: the suggestion's name and impact were written by a machine and
    may name an internal-only component, so the public page must not list it until
    staff choose to (they make it public, then publish a customers text through the
    workflow). No first message; the signal's facts become the first fact sheet's,
    drafted for the internal audiences. A vendor's or an alert's suggestion whose signal
    has cleared is refused: it would re-apply a status nobody claims. Declaring it again
    (a second click) changes nothing and returns the same incident."""
    if suggestion.state == "declared" and suggestion.incident_id is not None:
        incident = db.session.get(Incident, suggestion.incident_id)
        if incident is not None:
            return incident
    _open_or_refuse(suggestion, "declared")
    if has_cleared(suggestion):
        raise Conflict(
            f"Not declared: {CLEARED_NOTE} (its source no longer claims any of its "
            "components). Dismiss it, or declare an incident by hand if one is needed.",
            "suggestion",
        )
    components = _components_to_declare(suggestion)
    incident = declare_incident(
        actor,
        " ".join(suggestion.name.split()),
        suggestion.impact,
        {},
        body="",
        visibility="internal",
    )
    # The components are the incident's, at what the signal claims, but their statuses are
    # left to the signal: setting them here would hold them by hand, and a status would
    # outlive the alert that caused it. Staff set statuses when they publish an update.
    for component, status in components.items():
        db.session.add(IncidentComponent(incident=incident, component=component, status=status))
    drafting.compose(
        actor,
        incident,
        status=incident.status,
        facts=replace(
            _first_facts(suggestion), next_update_at=cadence.suggested_next_update_at(incident)
        ),
        audiences=list(drafting.allowed_audiences(incident)),
        impact=incident.impact,
        components=components,
    )
    suggestion.state = "declared"
    suggestion.incident_id = incident.id
    suggestion.decided_by_id = actor.id if actor else None
    suggestion.decided_at = utcnow()
    audit.record(
        actor,
        "suggestion.declare",
        incident,
        f"Declared the suggested incident {suggestion.name} ({suggestion.origin}) as an "
        "internal incident; nothing has been published",
    )
    db.session.flush()
    return incident


MAX_REASON = 500


def dismiss_suggestion(actor: User | None, suggestion: SuggestedIncident, reason: str) -> None:
    """Dismiss a suggestion, saying why (kept with it and in the audit log). A declared
    one cannot be dismissed (its incident is resolved the usual way); dismissing twice
    changes nothing."""
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise ServiceError(f"A reason can be at most {MAX_REASON} characters.", "reason")
    if suggestion.state == "dismissed":
        return
    if suggestion.state == "declared":
        raise Conflict("This suggestion was declared; resolve its incident instead.", "suggestion")
    suggestion.state = "dismissed"
    suggestion.decided_by_id = actor.id if actor else None
    suggestion.decided_at = utcnow()
    suggestion.dismissed_reason = reason
    audit.record(
        actor,
        "suggestion.dismiss",
        None,
        f"Dismissed the suggested incident {suggestion.name} ({suggestion.origin})"
        + (f": {reason}" if reason else ""),
    )
