"""Where an open incident's stated component statuses fall behind the truth: a signal
(an alert, a vendor) or a later change holds a component the incident lists in a worse
status than the incident gave it.

One screen must not show two statuses for one component, so the incident's pages list
such a component at its present status and say why; the incident team is prompted to
update the incident. Nothing here changes the incident or publishes anything: the
impact and the words stay the team's to choose."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from app.models import Component, ComponentSignal, Incident
from core.db import db
from core.vocab import STATUS_LABELS, STATUS_SEVERITY


@dataclass(frozen=True)
class WorseThanStated:
    """One of the incident's components, held worse than the incident states."""

    component: Component
    stated: str  # the status the incident gave it
    present: str  # its status now
    claim: ComponentSignal | None  # the signal that holds it there, if one does

    @property
    def internal_reason(self) -> str:
        """Why, in staff's words: "per monitoring alert HighErrorRate"."""
        if self.claim is None:
            return "set since the incident's last update"
        kind = self.claim.source.partition(":")[0]
        if kind == "alert":
            return f"per monitoring alert {self.claim.reason.removeprefix('Alert: ')}"
        reason = self.claim.reason
        # "reported by Kestrel Pay", not "per vendor status (Reported by Kestrel Pay)".
        if reason.startswith("Reported by "):
            return "r" + reason[1:]
        return f"per vendor status ({reason})" if reason else "per vendor"

    @property
    def public_reason(self) -> str:
        """Why, in readers' words: an alert's name is staff's, so only its kind is told."""
        if self.claim is not None and self.claim.source.startswith("alert:"):
            return gettext("per our monitoring")
        if self.claim is not None and self.claim.public and self.claim.reason:
            return self.claim.reason
        return gettext("its status now")

    @property
    def prompt(self) -> str:
        """The incident team's prompt to bring the incident up to date."""
        return (
            f"{self.component.name} is in {STATUS_LABELS[self.present].lower()} "
            f"({self.internal_reason}), worse than the "
            f"{STATUS_LABELS[self.stated].lower()} this incident states. Update the "
            "incident's components and impact so that its words agree. The pages already "
            "show the component's present status; the incident's impact and text are "
            "unchanged until you update them."
        )


def worse_than_stated(incident: Incident) -> list[WorseThanStated]:
    """The open incident's components held in a worse status than it gave them, in the
    incident's order; empty for a resolved incident (its statuses are history)."""
    if incident.status == "resolved":
        return []
    behind = [
        link
        for link in incident.affected
        if STATUS_SEVERITY[link.component.status] > STATUS_SEVERITY[link.status]
    ]
    if not behind:
        return []
    claims: dict[int, list[ComponentSignal]] = {}
    for row in db.session.scalars(
        select(ComponentSignal)
        .where(ComponentSignal.component_id.in_([link.component_id for link in behind]))
        .order_by(ComponentSignal.since, ComponentSignal.id)
    ):
        claims.setdefault(row.component_id, []).append(row)
    found = []
    for link in behind:
        present = link.component.status
        holding = [c for c in claims.get(link.component_id, ()) if c.status == present]
        found.append(
            WorseThanStated(link.component, link.status, present, holding[0] if holding else None)
        )
    return found


def recovered_since_stated(incident: Incident, link) -> bool:
    """Whether an open incident's component is better now than the incident states."""
    return (
        incident.status != "resolved"
        and STATUS_SEVERITY[link.component.status] < STATUS_SEVERITY[link.status]
    )
