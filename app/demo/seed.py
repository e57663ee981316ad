"""Writing the demo company's 90 days of history (oldest first: a backfilled change
rewrites what follows it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from app import accounts
from app.demo.alerts import add_demo_integration
from app.demo.content import (
    COMPONENTS,
    DEMO_PASSWORD,
    DEMO_USERS,
    DEPENDENCIES,
    PAST_INCIDENTS,
    POSTMORTEM,
    TEAMS,
)
from app.demo.pages import add_private_page
from app.demo.vendor import add_demo_source
from app.demo.workflow import add_subscribers, communications_workflow
from app.incidents.postmortems import save_postmortem
from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import advance_maintenance, schedule_maintenance
from app.models import Base, Component, Incident, SuggestedIncident, utcnow
from app.status.components import add_dependency, create_component, create_group
from core import audit
from core.db import db

# Monthly SLAs and credit tiers of two components (the credits report).
DEMO_SLAS = {
    "Card payments": (99.9, [{"below": 99.9, "credit": 10}, {"below": 99.0, "credit": 25}]),
    "REST API": (99.95, [{"below": 99.95, "credit": 10}, {"below": 99.5, "credit": 25}]),
}
# The postmortem was published a few days after its incident was resolved.
POSTMORTEM_AFTER = timedelta(days=3)


def credit_breach(start, past_incident) -> None:
    """An 80-minute card payment outage, declared from an alert six minutes after it
    fired."""
    past_incident(
        start,
        "Card payments failing",
        "major",
        "public",
        [("Card payments", "major_outage")],
        [
            (
                0,
                "investigating",
                "Card payments are failing for most customers. We are investigating.",
            ),
            (
                30,
                "identified",
                "We found a faulty release in our payment service and are "
                "reverting it. We will update within 30 minutes.",
                None,
            ),
            (
                80,
                "resolved",
                "Card payments work again. Payments that failed can be retried "
                "safely; nobody was charged twice. We are sorry for the disruption.",
                None,
            ),
        ],
    )
    incident = db.session.scalar(select(Incident).where(Incident.name == "Card payments failing"))
    card = db.session.scalar(select(Component).where(Component.name == "Card payments"))
    db.session.add(
        SuggestedIncident(
            origin="alert",
            key="demo:card-payments-failing",
            name="CardAuthorisationErrors",
            impact="major",
            component_ids=[card.id],
            component_statuses={str(card.id): "major_outage"},
            facts="Card authorisation error rate above 20 % for 5 minutes.",
            state="declared",
            incident_id=incident.id,
            created_at=start - timedelta(minutes=6),
            decided_at=start,
        )
    )


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Component)) == 0


def reset_database() -> None:
    """Back to a freshly migrated database: every row deleted (tables stay), then the
    default audiences and escalation rules put back. For ``herald seed-demo --reset``
    and the tests."""
    from app.models.comms import install_default_rules
    from subscribers.default_audiences import install_default_audiences

    tables = list(reversed(Base.metadata.sorted_tables))
    if db.session.get_bind().dialect.name == "postgresql":
        # One round trip (the tests empty the tables before each of thousands of tests).
        db.session.execute(text("; ".join(f'DELETE FROM "{t.name}"' for t in tables)))
    else:
        for table in tables:
            db.session.execute(table.delete())
    install_default_audiences(db.session.connection())
    install_default_rules(db.session.connection())
    db.session.commit()


def _company(born):
    """The teams, people and components (their groups, dependencies and SLAs), made
    ``born``: before the 90 days of history."""
    teams = {
        name: accounts.create_team(None, name, description, email)
        for name, description, email in TEAMS
    }
    users = {
        role: accounts.create_user(
            None, email, role, DEMO_PASSWORD, name=name, team=teams.get(team) if team else None
        )
        for email, role, name, team in DEMO_USERS
    }
    for made in (*teams.values(), *users.values()):
        made.created_at = born
    groups = {}
    components: dict[str, Component] = {}
    for position, (group_name, name, description, visibility, tier, team) in enumerate(
        COMPONENTS, start=1
    ):
        if group_name not in groups:
            groups[group_name] = create_group(None, group_name)
        components[name] = create_component(
            None,
            name,
            description=description,
            group_id=groups[group_name].id,
            position=position,
            visibility=visibility,
            tier=tier,
            team_id=teams[team].id,
            at=born,
            start_date=born.date(),
        )
    for name, depends_on, kind in DEPENDENCIES:
        add_dependency(None, components[name], components[depends_on], kind)
    for name, (sla, tiers) in DEMO_SLAS.items():
        components[name].sla_percent, components[name].credit_tiers = sla, tiers
    return teams, users, components


def seed_demo() -> None:
    """Load the demo company into an empty database, then commit. Each action of its
    history is audited at the time it happened in that history, not at the seeding."""
    now = utcnow()
    born = now - timedelta(days=120)
    with audit.recorded_at(born):
        teams, users, components = _company(born)

    # History is written oldest first: a backfilled change rewrites what follows it.
    def past_incident(start, name, impact, visibility, affected, timeline):
        _, status, body = timeline[0]
        with audit.recorded_at(start):
            incident = declare_incident(
                None,
                name,
                impact,
                {components[c]: s for c, s in affected},
                body=body,
                status=status,
                visibility=visibility,
                started_at=start,
                deliver_notifications=False,
                reviewed=True,  # the history as it was published
            )
        at = start
        for minutes, status, body, changes in timeline[1:]:
            at = start + timedelta(minutes=minutes)
            with audit.recorded_at(at):
                post_incident_update(
                    None,
                    incident,
                    status,
                    body,
                    {components[c]: s for c, s in (changes or {}).items()},
                    at=at,
                    deliver_notifications=False,
                    reviewed=True,
                )
        if name == "API unavailable in the EU region":
            published = at + POSTMORTEM_AFTER
            with audit.recorded_at(published):
                save_postmortem(None, incident, POSTMORTEM, publish=True)
            incident.postmortem_published_at = published

    def past_maintenance(start):
        end = start + timedelta(hours=1)
        # Announced two days before (as schedule_maintenance dates a past window), then
        # started and completed on time, as the worker moves a window along.
        with audit.recorded_at(start - timedelta(days=2)):
            maintenance = schedule_maintenance(
                None,
                "Primary database minor version upgrade",
                start,
                end,
                [components["Primary database"], components["REST API"]],
                body="We will upgrade our primary database. The API may answer slowly for a "
                "few seconds during the switch-over.",
                deliver_notifications=False,
                allow_past=True,
                auto_transition=False,  # moved along below, each step at its time
            )
        maintenance.auto_transition = True
        for at in (start, end):
            with audit.recorded_at(at):
                advance_maintenance(at)

    history = [
        (
            (now - timedelta(days=days)).replace(hour=9, minute=12, second=0, microsecond=0),
            lambda start, args=args: past_incident(start, *args),
        )
        for days, *args in PAST_INCIDENTS
    ]
    history.append(
        (
            (now - timedelta(days=21)).replace(hour=2, minute=0, second=0, microsecond=0),
            past_maintenance,
        )
    )
    # Last month's card outage, heard first from an alert: the credits report for last
    # month shows Card payments below its SLA, and the metrics a signal's lead time.
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(
        day=12, hour=4, minute=0, second=0, microsecond=0
    )
    history.append((last_month, lambda start: credit_breach(start, past_incident)))
    for start, create in sorted(history, key=lambda item: item[0]):
        create(start)

    upcoming = (now + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
    schedule_maintenance(
        None,
        "Database failover test",
        upcoming,
        upcoming + timedelta(hours=1),
        [components["Primary database"], components["REST API"], components["Dashboard"]],
        body="We will test failover of our primary database. The API and dashboard may be "
        "unavailable for up to two minutes during the window. Card payments already in "
        "flight are not affected.",
        deliver_notifications=False,
    )

    started = now - timedelta(minutes=48)
    with audit.recorded_at(started):
        active = declare_incident(
            None,
            "Slower card authorisations in the EU",
            "minor",
            # The card processor too: the demo's vendor reports the same slowness there,
            # and its report joins this incident instead of suggesting a second one.
            {
                components["Card payments"]: "degraded_performance",
                components["Card processor"]: "degraded_performance",
            },
            body="Card authorisations in the EU are taking longer than usual (about 4 "
            "seconds instead of 1). Payments are succeeding. We are investigating.",
            started_at=started,
            deliver_notifications=False,
            reviewed=True,  # the first update as it was published
        )
    add_subscribers(teams)
    communications_workflow(active, components, users)
    add_private_page()  # Acme Corp's page; `herald demo` prints its viewer's sign-in link
    add_demo_source()  # served by the demo itself: read once the demo serves
    add_demo_integration()  # its token is printed by `herald demo`
    db.session.commit()
