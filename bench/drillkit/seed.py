"""The world the drill's incident happens in: 8 teams owning components (one tier-1),
dependencies that carry an outage to other teams, one component already degraded before
the incident, and 50 subscribers per audience (email and SMS alternately; the first 16
engineering subscribers are the teams' members, two a team, one on each channel)."""

from __future__ import annotations

from dataclasses import dataclass

AUDIENCES = ("customers", "press", "support", "engineering", "executives")
PER_AUDIENCE = 50
MEMBERS_PER_TEAM = 2
DOMAIN = "drill.example"
PASSWORD = "drill-password-0123456789"
LEAD = f"lead@{DOMAIN}"
APPROVER = f"approver@{DOMAIN}"

TIER1 = "Card payments"
# Degraded before the incident (no incident causes it): its team must never hear
# "your services are operational".
ALREADY_DEGRADED = "Reporting"
# Degraded by the follow-up update: its team, told all-clear first, is asked again.
DEGRADED_LATER = "Email receipts"

# team -> its components: (name, tier, depends on, dependency kind)
TEAMS: dict[str, list[tuple[str, str, str | None, str | None]]] = {
    "Payments": [(TIER1, "tier1", None, None), ("Refunds", "tier2", None, None)],
    "Checkout": [("Checkout", "tier1", TIER1, "hard")],
    "Treasury": [("Payouts", "tier2", TIER1, "soft")],
    "Data": [(ALREADY_DEGRADED, "tier3", None, None)],
    "Messaging": [(DEGRADED_LATER, "tier2", None, None)],
    "Discovery": [("Search", "tier2", None, None)],
    "Mobile": [("Mobile app", "tier2", None, None)],
    "Identity": [("Sign-in", "tier1", None, None), ("Single sign-on", "tier2", None, None)],
}


@dataclass(frozen=True)
class Person:
    """One subscriber as the drill knows it (not as Herald stores it)."""

    channel: str
    address: str
    audience: str
    team: str | None = None


def people() -> list[Person]:
    teams = list(TEAMS)
    found = []
    for number, audience in enumerate(AUDIENCES):
        for i in range(PER_AUDIENCE):
            channel = "email" if i % 2 == 0 else "sms"
            address = (
                f"{audience}-{i:02d}@{DOMAIN}" if channel == "email" else f"+141520{number}{i:04d}"
            )
            team = None
            if audience == "engineering" and i < len(teams) * MEMBERS_PER_TEAM:
                team = teams[i // MEMBERS_PER_TEAM]
            found.append(Person(channel, address, audience, team))
    return found


def seed(app) -> dict[str, str]:
    """Write teams, components, dependencies and subscribers; returns each component's
    public id by name. (Staff users and their tokens come from the ``herald`` CLI.)"""
    from app import accounts
    from app.models import Component
    from app.status.components import add_dependency, create_component, set_component_status
    from core.db import db
    from subscribers import registry

    with app.app_context():
        components: dict[str, Component] = {}
        team_ids = {}
        for position, (team_name, owned) in enumerate(TEAMS.items()):
            team = accounts.create_team(None, team_name, contact_email="")
            team_ids[team_name] = team.id
            for offset, (name, tier, _, _) in enumerate(owned):
                components[name] = create_component(
                    None, name, tier=tier, team_id=team.id, position=position * 10 + offset
                )
        for owned in TEAMS.values():
            for name, _, depends_on, kind in owned:
                if depends_on:
                    add_dependency(None, components[name], components[depends_on], kind)
        set_component_status(
            None, components[ALREADY_DEGRADED], "degraded_performance", note="drill seed"
        )
        for person in people():
            registry.add_internal(
                person.channel,
                person.address,
                person.audience,
                team_id=team_ids[person.team] if person.team else None,
                notify=False,
            )
        db.session.commit()
        ids = {name: c.public_id for name, c in components.items()}
        db.session.remove()
        db.engine.dispose()
    return ids
