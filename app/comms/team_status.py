"""A team's components as the status pages show them now, and what causes each status
that is not operational: the truth the roll call tells teams (an all-clear only when it
holds).

It reads what the pages read: each component's effective status (its own, worsened
through its dependencies) with maintenance by the clock (``maintenance_clock``: a window
whose start has passed runs, even before the worker commits it). A status is put down to
every open incident and every running window that sets it on the component or on one
the component depends on, and to a vendor's or an alert's claim on it (app/signals) unless
staff hold its status by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.comms.audience_keys import TEAM_SMS_ROOM
from app.models import Component, ComponentSignal, Incident, Maintenance, Team, utcnow
from app.status.effective import compute_effective, dependency_edges, dependents_of
from app.status.maintenance_state import RUNNING, effective_maintenance_status, maintenance_clock
from core.db import db
from core.vocab import STATUS_LABELS, STATUS_SEVERITY
from subscribers.channels.segments import is_gsm7


@dataclass(frozen=True)
class ComponentState:
    """One component as the pages show it, with its cause in words ("" if operational)."""

    name: str
    status: str
    cause: str = ""
    by_this_incident: bool = False  # the incident asking is (one of) its causes

    @property
    def operational(self) -> bool:
        return self.status == "operational"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def text(self) -> str:
        """ "Dashboard: Partial outage, caused by this incident; depends on API (…)"."""
        return f"{self.name}: {self.status_label}" + (f", {self.cause}" if self.cause else "")

    def as_context(self) -> dict[str, str]:
        """Plain data for a message template."""
        return {
            "name": self.name,
            "status": self.status,
            "status_label": self.status_label,
            "cause": self.cause,
            "text": self.text,
        }


@dataclass(frozen=True)
class _Cause:
    incident_id: int | None  # None: a maintenance window
    name: str
    reaches: frozenset[int]  # the components it sets, and those that depend on them


def _sentence(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class StatusNow:
    """The pages' state of every component at one moment, read once for many teams.

    With ``planned`` (an incident and the component statuses a set of drafts will give
    it), the state as it will be once that set is published: those statuses applied to
    the components and to the incident, and passed on through dependencies, as
    publishing does. Nothing is written."""

    def __init__(
        self,
        now: datetime | None = None,
        planned: tuple[Incident, dict[int, str]] | None = None,
    ):
        self.now = now or utcnow()
        self.clock = maintenance_clock(self.now)
        self.planned = planned
        self.effective = self._planned_effective() if planned else None
        self.causes = self._causes()
        self.signals = self._signals()

    def _planned_effective(self) -> dict[int, tuple[str, str]]:
        _, statuses = self.planned
        components = db.session.scalars(select(Component)).all()
        own = {c.id: self.clock.own_status(c) for c in components}
        own.update({cid: status for cid, status in statuses.items() if cid in own})
        computed = compute_effective(own, {c.id: c.name for c in components}, dependency_edges())
        return {cid: (found.status, found.reason) for cid, found in computed.items()}

    def status(self, component: Component) -> str:
        if self.effective is not None and component.id in self.effective:
            return self.effective[component.id][0]
        return self.clock.status(component)

    def _reason(self, component: Component) -> str:
        if self.effective is not None and component.id in self.effective:
            return self.effective[component.id][1]
        return self.clock.reason(component)

    def _signals(self) -> dict[int, str]:
        """Each component's worst present signal claim, in words ("Reported by Stripe")."""
        worst: dict[int, ComponentSignal] = {}
        for row in db.session.scalars(select(ComponentSignal)):
            seen = worst.get(row.component_id)
            if seen is None or STATUS_SEVERITY[row.status] > STATUS_SEVERITY[seen.status]:
                worst[row.component_id] = row
        return {cid: f"a signal ({row.reason or row.source})" for cid, row in worst.items()}

    def _causes(self) -> list[_Cause]:
        causes = []
        incidents = db.session.scalars(
            select(Incident)
            .where(Incident.status != "resolved")
            .options(selectinload(Incident.affected))
            .order_by(Incident.started_at, Incident.id)
        )
        for incident in incidents:
            given = {link.component_id: link.status for link in incident.affected}
            if self.planned is not None and self.planned[0].id == incident.id:
                given.update(self.planned[1])
            direct = {cid for cid, status in given.items() if status != "operational"}
            if direct:
                reaches = frozenset(direct | dependents_of(direct))
                causes.append(_Cause(incident.id, incident.name, reaches))
        windows = db.session.scalars(
            select(Maintenance)
            .where(Maintenance.status != "completed")
            .options(selectinload(Maintenance.affected))
            .order_by(Maintenance.scheduled_for, Maintenance.id)
        )
        for window in windows:
            if effective_maintenance_status(window, self.now) not in RUNNING:
                continue
            direct = {link.component_id for link in window.affected}
            if direct:
                causes.append(_Cause(None, window.name, frozenset(direct | dependents_of(direct))))
        return causes

    def _reaching(self, component: Component) -> list[_Cause]:
        """The open incidents and running windows that reach ``component``."""
        return [cause for cause in self.causes if component.id in cause.reaches]

    def _cause(self, component: Component, incident: Incident) -> str:
        named = [
            "this incident"
            if cause.incident_id == incident.id
            else f"another open incident, {cause.name}"
            if cause.incident_id is not None
            else f"the maintenance {cause.name}"
            for cause in self._reaching(component)
        ]
        # "this incident" first: it is what the message is about.
        named.sort(key=lambda words: words != "this incident")
        # A vendor or an alert that sets the component's own status (staff not holding it).
        signal = self.signals.get(component.id) if not component.signal_held else None
        if signal:
            named.append(signal)
        text = f"caused by {_sentence(named)}" if named else "not caused by an open incident"
        reason = self._reason(component)
        return f"{text}; {reason[0].lower()}{reason[1:]}" if reason else text

    def components_of(self, team: Team, incident: Incident) -> list[ComponentState]:
        """Every component ``team`` owns, as the pages show it, causes named as seen from
        ``incident``."""
        states = []
        for component in sorted(team.components, key=lambda c: (c.position, c.name.lower())):
            status = self.status(component)
            cause = "" if status == "operational" else self._cause(component, incident)
            ours = status != "operational" and any(
                c.incident_id == incident.id for c in self._reaching(component)
            )
            states.append(ComponentState(component.name, status, cause, ours))
        return states

    def held_by_others(self, team: Team, incident: Incident) -> bool:
        """Whether every component of ``team`` that is not operational is held by other
        open incidents only: each of those asks the team itself (its roll call, or asked
        again), so ``incident`` has nothing to ask about."""
        down = [c for c in team.components if self.status(c) != "operational"]
        for component in down:
            reaching = self._reaching(component)
            if not reaching or any(c.incident_id in (None, incident.id) for c in reaching):
                return False
            if not component.signal_held and component.id in self.signals:
                return False
        return bool(down)

    def not_operational(self, team: Team, incident: Incident) -> list[ComponentState]:
        """The components of ``team`` the pages do not show as operational."""
        return [s for s in self.components_of(team, incident) if not s.operational]


def team_line_room() -> str:
    """As long as the longest line a team's SMS gets (app/notifier/team_updates.py), in
    its encoding: a component name outside GSM-7 makes that team's whole SMS UCS-2."""
    names = db.session.scalars(select(Component.name).where(Component.team_id.is_not(None)))
    filler = "x" if all(is_gsm7(name) for name in names) else "\u2014"
    return " " + filler * TEAM_SMS_ROOM
