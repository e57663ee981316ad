"""The lead's update for the teams, told to each team with the truth about its own services.

The teams' draft is one text for every team that owns components (it says what is
happening). When it is published, each team gets that text and, under it, what the pages
show for the services it owns at that moment (``StatusNow``, across every open incident,
running maintenance and signal): not affected; affected by this incident, naming which and
how, with the roll call's two answers; or not affected by this incident though another
cause holds some of them. A team is never told its services are fine while any is not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select

from app.comms.audience_keys import TEAM_SMS_ROOM
from app.comms.rollcall import answer_url, roll_call_of, teams_with_components
from app.comms.team_status import ComponentState, StatusNow
from app.models import Communication, Incident, RollCall, Team
from app.notifier import buttons
from app.notifier.messages import texts_message
from core.db import db
from subscribers.models import Broadcast


@dataclass(frozen=True)
class TeamSection:
    """What one team reads under the lead's text."""

    # "not affected"; "affected" (by this incident); "held" (down, by other named causes
    # only); "unlinked" (down, and the pages name no cause); "reported affected" (the team
    # said so in the roll call, whatever the pages show).
    standing: str
    words: str  # the standing as the subject and the set's page say it
    email: str  # Markdown
    sms: str  # at most TEAM_SMS_ROOM characters, GSM-7 unless a name is not
    down: tuple[str, ...] = ()  # its services not operational, each with its cause


def _names(states: list[ComponentState]) -> str:
    names = [s.name for s in states]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _fit(text: str, limit: int = TEAM_SMS_ROOM) -> str:
    # "..." rather than an ellipsis: one character outside GSM-7 makes the whole SMS
    # UCS-2, with fewer than half the characters a segment.
    if len(text) <= limit:
        return text
    cut = text[: limit - 3]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut  # never mid-word
    return cut.rstrip(" ,;:") + "..."


def _answers(call: RollCall | None, first: str) -> str:
    if call is None:
        return ""
    return (
        "\n\nTell us what you see, with one click:\n\n"
        f"- **{first}:** {answer_url(call, 'operational')}\n"
        f"- **We are affected:** {answer_url(call, 'affected')}"
    )


def section_for(team: Team, states: list[ComponentState], call: RollCall | None) -> TeamSection:
    """The team's section from its components' states as the pages show them, and from
    what the team itself reported: a team that said it is affected is never told it
    is not."""
    owned = _names(states) if states else "none"
    down = [s for s in states if not s.operational]
    listed = "\n".join(f"- {s.text}" for s in down)
    heading = f"**{team.name}: your services** ({owned})\n\n"
    texts = tuple(s.text for s in down)
    if call is not None and call.state == "affected":
        said = f" (“{call.note}”)" if call.note else ""
        shown = (
            f"The status page shows these services you own as not operational:\n\n{listed}"
            if down
            else "The status page does not show any of your services as affected yet."
        )
        return TeamSection(
            "reported affected",
            "you reported affected",
            heading + f"You told us your services are affected{said}; the incident team has "
            f"your report. {shown}" + _answers(call, "Our services are operational again"),
            "You reported affected; the incident team has it.",
            texts,
        )
    if not down:
        return TeamSection(
            "not affected",
            "not affected",
            heading + "The status page shows all the services you own as operational: this "
            "incident does not affect them now. No action is needed from you. If you see "
            "problems, "
            + (f"tell us: {answer_url(call, 'affected')}" if call else "tell the incident team")
            + ".",
            "Your services: not affected, no action needed.",
        )
    if any(s.by_this_incident for s in down):
        ours = [s for s in down if s.by_this_incident]
        return TeamSection(
            "affected",
            "affected",
            heading + "The status page shows these services you own as not operational:\n\n"
            f"{listed}" + _answers(call, "Our services are operational"),
            _fit(f"Your services affected: {_names(ours)}."),
            texts,
        )
    if all(s.cause.startswith("caused by") for s in down):
        return TeamSection(
            "held",
            "not affected by this incident",
            heading + "This incident does not affect the services you own. These are not "
            f"operational for other reasons:\n\n{listed}"
            + _answers(call, "This incident does not affect our services"),
            _fit(f"Not by this incident. Other causes: {_names(down)}."),
            texts,
        )
    return TeamSection(
        "unlinked",
        "some services not operational",
        heading + "The status page shows these services you own as not operational, and "
        f"does not link them to this incident:\n\n{listed}"
        # The roll call's own words for a team none of whose down services this incident
        # causes (its answer page says the same).
         + _answers(call, "This incident does not affect our services"),
        _fit(f"Not operational: {_names(down)}. See email."),
        texts,
    )


def sections_now(incident: Incident, planned: dict[int, str] | None = None):
    """What each team would read under the teams' text if it were sent now; with
    ``planned`` (a set's component statuses), once that set is published."""
    now = StatusNow(planned=(incident, planned) if planned else None)
    return [
        (team, section_for(team, now.components_of(team, incident), roll_call_of(incident, team)))
        for team in teams_with_components()
    ]


def sent_to_teams(draft) -> list[tuple[str, Broadcast]]:
    """The teams' update as it went out: each team's name and its broadcast."""
    rows = db.session.execute(
        select(Team.name, Broadcast)
        .join(Communication, Communication.broadcast_id == Broadcast.id)
        .join(Team, Team.id == Communication.team_id)
        .where(Communication.draft_id == draft.id)
        .order_by(Team.name)
    )
    return [(name, broadcast) for name, broadcast in rows]


def _with_line(sms: str, line: str, link: str) -> str:
    """The draft's SMS with the team's line, before the incident's link when it ends so."""
    sms = sms.rstrip()
    if link and sms.endswith(link):
        return f"{sms[: -len(link)].rstrip()} {line} {link}"
    return f"{sms} {line}"


def team_message(
    incident: Incident,
    team: Team,
    subject: str,
    email_body: str,
    sms: str,
    now: StatusNow,
    call: RollCall | None,
):
    """One team's message: the lead's texts, its section added (and its answer buttons
    in chat while something of its own is down)."""
    section = section_for(team, now.components_of(team, incident), call)
    link = f"{current_app.config['PUBLIC_URL']}/internal/incidents/{incident.public_id}"
    message = texts_message(
        incident,
        f"{team.name}: {section.words} · {subject}",
        f"{email_body.rstrip()}\n\n---\n\n{section.email}",
        _with_line(sms, section.sms, link),
        "teams",
        staff_list=f"{team.name} team",
    )
    if call is not None and section.standing != "not affected":
        held = section.standing in ("held", "unlinked")
        actions = buttons.roll_call(call, incident, held=held)
        message = replace(message, chat_actions=actions)
    return message, section
