"""How many people a set of drafts will reach when published, and how many messages per
audience and channel, counted with the outbox's own matching and writing nothing: the
figures the lead sees and confirms before publishing, and the API's publish answer
repeats.

A subscriber is one address on one channel, so a person with an email address and a
phone number is two subscribers and gets two messages. People are counted by name where
staff gave one (the same name in an audience is one person on several channels), else
by address."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import case, func, select

from app.comms.audience_keys import TEAMS
from app.comms.rollcall import teams_with_components
from app.models import Draft, FactSheet
from app.status.effective import dependents_of
from core.db import db
from subscribers.audiences import get_audience
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import reach_by_channel, reaches

CHANNEL_ORDER = ("email", "sms", "webhook")


@dataclass
class Reach:
    draft: Draft
    notified: bool
    channels: dict[str, int] = field(default_factory=dict)  # messages per channel
    people: int = 0
    label: str = ""  # for a row that is no draft's: what it is

    @property
    def total(self) -> int:
        """Messages in all (one per person and channel)."""
        return sum(self.channels.values())

    @property
    def words(self) -> str:
        """ "2 by email, 1 by SMS", or "not notified"."""
        if not self.notified:
            return "not notified"
        if not self.total:
            return "nobody subscribed"
        labels = {"email": "by email", "sms": "by SMS", "webhook": "by webhook"}
        return ", ".join(
            f"{self.channels[c]} {labels.get(c, 'by ' + c)}"
            for c in sorted(self.channels, key=_channel_rank)
            if self.channels[c]
        )


def _channel_rank(channel: str) -> int:
    return CHANNEL_ORDER.index(channel) if channel in CHANNEL_ORDER else len(CHANNEL_ORDER)


def components_told_about(sheet: FactSheet) -> list[int]:
    """The components the set's broadcasts will be about: the incident's affected ones
    once the set's statuses are applied, and those that depend on them (as the notifier
    chooses them when the set is published)."""
    ids = {link.component_id for link in sheet.incident.affected}
    ids |= {int(cid) for cid in sheet.components or {}}
    return sorted(ids | dependents_of(ids))


# Who a subscriber is: the name staff gave, else the address on its channel.
_PERSON = case(
    (Subscriber.name != "", func.lower(Subscriber.name)),
    else_=Subscriber.channel + ":" + Subscriber.address,
)


def people_reached(
    audience_key: str,
    component_ids: list[int],
    team_id: int | None = None,
    without_team_members: bool = False,
) -> int:
    """How many people a broadcast to the audience (or to one team) about these
    components reaches now."""
    probe = Broadcast(
        audience_id=get_audience(audience_key).id,
        team_id=team_id,
        without_team_members=without_team_members,
        component_ids=sorted(set(component_ids)),
        channels=[],
    )
    return db.session.scalar(select(func.count(func.distinct(_PERSON))).where(reaches(probe))) or 0


def _teams_reach() -> tuple[dict[str, int], int]:
    """The teams' update goes to every team that owns components, each its own people
    whatever the components (as the notifier sends it)."""
    channels: dict[str, int] = {}
    people = 0
    for team in teams_with_components():
        for channel, count in reach_by_channel(TEAMS, [], team_id=team.id).items():
            channels[channel] = channels.get(channel, 0) + count
        people += people_reached(TEAMS, [], team_id=team.id)
    return channels, people


def reach_of(sheet: FactSheet, notify: dict[str, bool] | None = None) -> list[Reach]:
    """Per live draft of the set: whether publishing notifies its audience and how many
    people and messages per channel it reaches now. ``notify`` overrides the drafts' switches, as
    the API's publish request may."""
    switches = notify or {}
    component_ids = components_told_about(sheet)
    # As the notifier sends them: with the teams told, people on a team's list get only
    # the teams' text.
    live = [d for d in sheet.drafts if d.state != "discarded"]
    told = any(switches.get(d.audience_key, d.notify) for d in live)
    # Resolving, Herald tells every team itself when anyone is notified.
    resolving = sheet.status == "resolved" and sheet.incident.status != "resolved" and told
    to_teams = resolving or any(
        d.audience_key == TEAMS and switches.get(TEAMS, d.notify) for d in live
    )
    found = []
    for draft in sheet.drafts:
        if draft.state == "discarded":
            continue
        notified = switches.get(draft.audience_key, draft.notify)
        if draft.audience_key == TEAMS:
            channels, people = _teams_reach() if notified else ({}, 0)
            found.append(Reach(draft, notified, channels, people))
            continue
        channels = (
            reach_by_channel(
                get_audience(draft.audience_key), component_ids, without_team_members=to_teams
            )
            if notified
            else {}
        )
        people = (
            people_reached(draft.audience_key, component_ids, without_team_members=to_teams)
            if notified
            else 0
        )
        found.append(Reach(draft, notified, channels, people))
    if resolving:
        channels, people = _teams_reach()
        notice = SimpleNamespace(id=None, audience_key=TEAMS, notify=True)
        found.append(Reach(notice, True, channels, people, "Teams (Herald's resolved notice)"))
    return found
