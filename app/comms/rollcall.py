"""Roll call and all-clear: every team that owns components is asked to confirm the state
of its services; teams whose services are not affected are told so; everyone hears when
the incident is resolved."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.models import Component, Incident, RollCall, Team, utcnow
from app.status.components import dependents_of
from app.status.version import bump_page_version
from core import audit
from core.db import db
from core.errors import NotFound, ServiceError

ANSWERS = ("operational", "affected")
# Replies by text message: "1"/"OK" operational, "2"/"AFFECTED" affected.
SMS_ANSWERS = {
    "1": "operational",
    "OK": "operational",
    "OPERATIONAL": "operational",
    "2": "affected",
    "AFFECTED": "affected",
    "DOWN": "affected",
}


def teams_with_components() -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.components.any()).order_by(Team.name)))


def _affected_ids(incident: Incident) -> set[int]:
    direct = {link.component_id for link in incident.affected}
    return direct | dependents_of(direct)


def answer_url(roll_call: RollCall, state: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/rollcall/{roll_call.token}/{state}"


def open_roll_calls(incident: Incident) -> list[RollCall]:
    """Open a roll call for each team that owns components and has none for this incident
    yet, noting whether its services look affected; returns the new ones (the notifier asks
    each team)."""
    affected_ids = _affected_ids(incident)
    calls = []
    for team in teams_with_components():
        existing = db.session.scalar(
            select(RollCall).where(RollCall.incident_id == incident.id, RollCall.team_id == team.id)
        )
        if existing is not None:
            continue
        call = RollCall(
            incident_id=incident.id,
            team_id=team.id,
            team=team,
            expected_affected=any(c.id in affected_ids for c in team.components),
            token=secrets.token_urlsafe(24),
        )
        db.session.add(call)
        calls.append(call)
    db.session.flush()
    return calls


def by_token(token: str) -> RollCall:
    call = db.session.scalar(select(RollCall).where(RollCall.token == token)) if token else None
    if call is None:
        raise NotFound("This roll-call link is not valid.")
    return call


def answer(call: RollCall, state: str, *, by: str, via: str, note: str = "") -> RollCall:
    """Record a team's answer (the latest answer counts)."""
    if state not in ANSWERS:
        raise ServiceError("Answer operational or affected.", "state")
    if call.incident.status == "resolved":
        raise ServiceError("This incident is resolved; no answer is needed any more.")
    call.state = state
    call.answered_by, call.answered_via, call.answered_at = by[:254], via, utcnow()
    call.note = (note or "").strip()[:2000]
    audit.record(
        None, "rollcall.answer", call.incident, f"{call.team.name} reported {state} ({via}, {by})"
    )
    bump_page_version()  # the internal page shows the board
    return call


@dataclass
class Board:
    operational: list[RollCall] = field(default_factory=list)
    affected: list[RollCall] = field(default_factory=list)
    waiting: list[RollCall] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.operational or self.affected or self.waiting)


def board(incident: Incident) -> Board:
    result = Board()
    calls = db.session.scalars(
        select(RollCall).where(RollCall.incident_id == incident.id).join(Team).order_by(Team.name)
    ).all()
    for call in calls:
        {"operational": result.operational, "affected": result.affected, "pending": result.waiting}[
            call.state
        ].append(call)
    return result


def handle_sms_reply(number: str, text: str, subscribers: list) -> object | None:
    """An inbound text answering a roll call: the sender must be an internal subscriber
    of a team with an open roll call."""
    from subscribers.events import InboundResult

    state = SMS_ANSWERS.get(text.strip().upper().rstrip(".!"))
    if state is None:
        return None
    team_ids = {s.team_id for s in subscribers if s.team_id}
    if not team_ids:
        return None
    call = db.session.scalar(
        select(RollCall)
        .join(Incident)
        .where(RollCall.team_id.in_(team_ids), Incident.status != "resolved")
        .order_by(RollCall.created_at.desc())
        .limit(1)
    )
    if call is None:
        return None
    answer(call, state, by=number, via="sms")
    page = current_app.config["PAGE_NAME"]
    return InboundResult(
        "roll_call",
        f"{page}: thanks, {call.team.name} is recorded as {state} for {call.incident.name}.",
        1,
    )


def components_of(team: Team) -> list[Component]:
    return list(team.components)
