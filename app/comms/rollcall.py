"""Roll call and all-clear: every team that owns components is asked to confirm the state
of its services; a team all of whose services the pages show as operational is told so
(and may confirm or report otherwise); a team told so is asked again when one of its
services stops being operational; everyone hears when the incident is resolved."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.comms.team_status import ComponentState, StatusNow
from app.models import FactSheet, Incident, IncidentUpdate, RollCall, Team, User, utcnow
from app.status.effective import dependents_of
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


def roll_call_of(incident: Incident, team: Team) -> RollCall | None:
    """The team's roll call for ``incident`` (None when it was never asked)."""
    return db.session.scalar(
        select(RollCall).where(RollCall.incident_id == incident.id, RollCall.team_id == team.id)
    )


def _affected_ids(incident: Incident) -> set[int]:
    direct = {link.component_id for link in incident.affected}
    return direct | dependents_of(direct)


def answer_url(roll_call: RollCall, state: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/rollcall/{roll_call.token}/{state}"


def open_roll_calls(incident: Incident, now: StatusNow) -> list[RollCall]:
    """Open a roll call for each team that owns components and has none for this incident
    yet; returns the new ones (the notifier asks each team). A team is to be asked
    (``expected_affected``) unless every component it owns is operational on the pages at
    ``now``, across every open incident and running maintenance, and none is named by
    this incident: only then is it told all-clear."""
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
            expected_affected=any(c.id in affected_ids for c in team.components)
            or bool(now.not_operational(team, incident)),
            token=secrets.token_urlsafe(24),
        )
        db.session.add(call)
        calls.append(call)
    db.session.flush()
    return calls


def ask_again(now: StatusNow) -> list[tuple[RollCall, list[ComponentState]]]:
    """The all-clears that no longer hold: each open incident's roll call of a team told
    all-clear (and not since reporting affected) one of whose components is not
    operational at ``now``, unless other open incidents alone hold those components (each
    of them asks the team itself). Each becomes a question: an earlier "operational"
    answer no longer counts. Returns them with those components (the notifier asks each team)."""
    calls = db.session.scalars(
        select(RollCall)
        .join(Incident)
        .where(
            Incident.status != "resolved",
            RollCall.expected_affected.is_(False),
            RollCall.state != "affected",
        )
        .order_by(RollCall.id)
    ).all()
    asked = []
    for call in calls:
        changed = now.not_operational(call.team, call.incident)
        if not changed or now.held_by_others(call.team, call.incident):
            continue
        call.expected_affected = True
        call.state, call.answered_by, call.answered_via = "pending", "", ""
        call.answered_at, call.note = None, ""
        audit.record(
            None,
            "rollcall.ask_again",
            call.incident,
            f"{call.team.name} asked again: {'; '.join(s.text for s in changed)}",
        )
        asked.append((call, changed))
    if asked:
        bump_page_version()  # the internal page shows the board
    return asked


def by_token(token: str) -> RollCall:
    call = db.session.scalar(select(RollCall).where(RollCall.token == token)) if token else None
    if call is None:
        raise NotFound("This roll-call link is not valid.")
    return call


def answer(
    call: RollCall, state: str, *, by: str, via: str, note: str = "", actor=None
) -> RollCall:
    """Record a team's answer (the latest answer counts). ``actor``: the staff account
    that answered, when one did (the web, Slack); the audit log names it."""
    if state not in ANSWERS:
        raise ServiceError("Answer operational or affected.", "state")
    if call.incident.status == "resolved":
        raise ServiceError("This incident is resolved; no answer is needed any more.")
    note = (note or "").strip()[:2000]
    news = state == "affected" and (call.state != "affected" or call.note != note)
    call.state = state
    call.answered_by, call.answered_via, call.answered_at = by[:254], via, utcnow()
    call.note = note
    audit.record(
        actor, "rollcall.answer", call.incident, f"{call.team.name} reported {state} ({via}, {by})"
    )
    bump_page_version()  # the internal page shows the board
    if news:  # the staff who run the incident are told (a repeated click tells nobody)
        from app.notifier import notifier  # it imports this module
        from app.notifier.events import TeamReportedAffected

        notifier.notify(TeamReportedAffected(call))
    return call


def incident_staff(incident: Incident) -> list[User]:
    """The staff who run ``incident``: its communications lead, whoever declared it and
    whoever wrote its updates and sets of drafts (active accounts, each once)."""
    ids = [incident.comms_lead_id, incident.created_by_id]
    for column, model in (
        (IncidentUpdate.author_id, IncidentUpdate),
        (FactSheet.author_id, FactSheet),
    ):
        ids += db.session.scalars(
            select(column).where(model.incident_id == incident.id).order_by(model.created_at)
        ).all()
    people = []
    for user_id in dict.fromkeys(i for i in ids if i):
        user = db.session.get(User, user_id)
        if user is not None and user.active:
            people.append(user)
    return people


def affected_for(user: User) -> list[RollCall]:
    """The open incidents' reports of affected services ``user`` runs the incident of:
    each waits for them until the team answers operational or the incident resolves."""
    calls = db.session.scalars(
        select(RollCall)
        .join(Incident)
        .where(RollCall.state == "affected", Incident.status != "resolved")
        .order_by(RollCall.answered_at.desc(), RollCall.id)
    ).all()
    return [c for c in calls if any(p.id == user.id for p in incident_staff(c.incident))]


@dataclass
class Board:
    """The teams of one roll call by where they stand: confirmed operational, reported
    affected, told all-clear and not answered (``cleared``), asked and not answered."""

    operational: list[RollCall] = field(default_factory=list)
    affected: list[RollCall] = field(default_factory=list)
    cleared: list[RollCall] = field(default_factory=list)
    waiting: list[RollCall] = field(default_factory=list)
    # The calls whose team has a component the pages do not show as operational now.
    not_operational: set[int] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.operational or self.affected or self.cleared or self.waiting)


def board(incident: Incident) -> Board:
    result = Board()
    calls = db.session.scalars(
        select(RollCall).where(RollCall.incident_id == incident.id).join(Team).order_by(Team.name)
    ).all()
    now = StatusNow() if calls else None
    for call in calls:
        if now.not_operational(call.team, incident):  # read now: never a stale "not all"
            result.not_operational.add(call.id)
        if call.state == "operational":
            result.operational.append(call)
        elif call.state == "affected":
            result.affected.append(call)
        elif call.expected_affected:
            result.waiting.append(call)
        else:
            result.cleared.append(call)
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


def components_of(call: RollCall) -> list[ComponentState]:
    """The team's components as the pages show them now, causes named from its incident."""
    return StatusNow().components_of(call.team, call.incident)
