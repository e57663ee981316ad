"""A small company for the workflow tests: teams owning components with dependencies,
team addresses (one team also by phone), executives and a customer."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app import accounts
from app.incidents.services import declare_incident
from app.models import Component, Incident, Team
from app.status.components import add_dependency, create_component
from core.db import db
from subscribers import registry
from subscribers.models import Broadcast, Subscriber

WEB_PHONE = "+14155550123"
TEAM_EMAILS = {
    "Payments": "payments@example.com",
    "Platform": "platform@example.com",
    "Web": "web@example.com",
    "Mobile": "mobile@example.com",
}


@dataclass
class World:
    teams: dict[str, Team] = field(default_factory=dict)
    components: dict[str, Component] = field(default_factory=dict)
    subscribers: dict[str, Subscriber] = field(default_factory=dict)


def build_world() -> World:
    """API (tier 1, Platform) needs Database (tier 2, Platform); Dashboard (Web) needs the
    API; Card payments (tier 1, Payments) and Mobile app (Mobile) stand alone; Support
    owns nothing."""
    world = World()
    for name in ("Payments", "Platform", "Web", "Mobile", "Support"):
        world.teams[name] = accounts.create_team(None, name)
    for name, tier, team in (
        ("Database", "tier2", "Platform"),
        ("API", "tier1", "Platform"),
        ("Dashboard", "tier2", "Web"),
        ("Card payments", "tier1", "Payments"),
        ("Mobile app", "tier2", "Mobile"),
    ):
        world.components[name] = create_component(
            None, name, tier=tier, team_id=world.teams[team].id
        )
    c = world.components
    add_dependency(None, c["API"], c["Database"], "hard")
    add_dependency(None, c["Dashboard"], c["API"], "hard")
    for team, address in TEAM_EMAILS.items():
        world.subscribers[team], _ = registry.add_internal(
            "email", address, "engineering", team_id=world.teams[team].id, notify=False
        )
    world.subscribers["web-phone"], _ = registry.add_internal(
        "sms", WEB_PHONE, "engineering", team_id=world.teams["Web"].id, notify=False
    )
    world.subscribers["executive"], _ = registry.add_internal(
        "email", "ceo@example.com", "executives", notify=False
    )
    world.subscribers["customer"], _ = registry.add_internal(
        "email", "buyer@example.com", "customers", notify=False
    )
    db.session.commit()
    return world


def declare(world: World, name: str, impact: str, statuses: dict[str, str], **kwargs) -> Incident:
    kwargs.setdefault("body", "We are investigating.")
    incident = declare_incident(
        kwargs.pop("actor", None),
        name,
        impact,
        {world.components[c]: s for c, s in statuses.items()},
        **kwargs,
    )
    db.session.commit()
    return incident


def broadcasts(kind: str | None = None) -> list[Broadcast]:
    db.session.expire_all()
    query = select(Broadcast).order_by(Broadcast.id)
    if kind:
        query = query.where(Broadcast.kind == kind)
    return list(db.session.scalars(query))


def team_broadcasts(world: World, kind: str) -> dict[str, Broadcast]:
    """The team a broadcast of ``kind`` went to → the broadcast."""
    names = {team.id: name for name, team in world.teams.items()}
    return {names[b.team_id]: b for b in broadcasts(kind) if b.team_id}
