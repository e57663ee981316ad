"""The seeded page: groups, components, dependencies, past and active incidents."""

from __future__ import annotations

from datetime import timedelta

TOGGLED_COMPONENT = "Developer docs"  # nothing depends on it and no incident holds it

GROUPS = {
    "Web and apps": ["Website", "Dashboard", "Mobile app", "Checkout pages", "Developer docs"],
    "API and integrations": ["REST API", "GraphQL API", "Webhooks", "Sign-in and SSO", "Reports"],
    "Payments": ["Card payments", "Payouts", "Invoicing", "Fraud screening", "Refunds"],
    "Third-party vendors": [
        "Card processor",
        "Bank transfer partner",
        "Email delivery",
        "SMS delivery",
        "DNS provider",
    ],
}
DEPENDENCIES = [
    ("Dashboard", "REST API", "hard"),
    ("Mobile app", "REST API", "hard"),
    ("Checkout pages", "Card payments", "hard"),
    ("Card payments", "Card processor", "hard"),
    ("Card payments", "Fraud screening", "soft"),
    ("Payouts", "Bank transfer partner", "hard"),
    ("Webhooks", "REST API", "soft"),
    ("Invoicing", "Email delivery", "soft"),
]
# days ago, name, impact, {component: status}
PAST_INCIDENTS = [
    (86, "Elevated card payment declines", "major", {"Card processor": "major_outage"}),
    (77, "Sign-in failures for SSO users", "minor", {"Sign-in and SSO": "partial_outage"}),
    (66, "Delayed webhook deliveries", "minor", {"Webhooks": "degraded_performance"}),
    (54, "API unavailable in the EU region", "critical", {"REST API": "major_outage"}),
    (43, "Invoice emails delayed", "minor", {"Email delivery": "degraded_performance"}),
    (31, "Slow dashboard page loads", "minor", {"Dashboard": "degraded_performance"}),
    (19, "Refunds stuck in pending", "major", {"Refunds": "partial_outage"}),
    (8, "Delayed SEPA payouts", "major", {"Bank transfer partner": "partial_outage"}),
    (3, "DNS resolution errors", "critical", {"DNS provider": "major_outage"}),
]
# hours ago, name, impact, {component: status}
ACTIVE_INCIDENTS = [
    (5.0, "Elevated API error rates", "major", {"REST API": "partial_outage"}),
    (3.0, "Payouts delayed", "minor", {"Payouts": "degraded_performance"}),
    (1.5, "SMS delivery delays in some countries", "minor", {"SMS delivery": "major_outage"}),
]
ACTIVE_TIMELINE = ["investigating", "identified", "identified", "monitoring", "monitoring"]


def _body(name: str, status: str, step: int) -> str:
    return (
        f"**{status.capitalize()}** ({step}): {name}. We are sorry for the disruption and are "
        "working on it with the highest priority.\n\n"
        "- Card payments that were declined can be retried safely.\n"
        "- No data has been lost.\n\n"
        "Next update within 30 minutes, or sooner if anything changes."
    )


def seed() -> dict[str, int]:
    """Fill the (migrated, empty) database through the services and commit."""
    from app import create_app
    from app.incidents.services import declare_incident, post_incident_update
    from app.models import utcnow
    from app.status.components import add_dependency, create_component, create_group
    from core.db import db

    app = create_app()
    with app.app_context():
        now = utcnow()
        born = now - timedelta(days=100)
        components = {}
        position = 0
        for group_name, names in GROUPS.items():
            group = create_group(None, group_name)
            for name in names:
                position += 1
                components[name] = create_component(
                    None,
                    name,
                    description=f"{name} for merchants and their customers",
                    group_id=group.id,
                    position=position,
                    visibility="public",
                    at=born,
                    start_date=born.date(),
                )
        for name, depends_on, kind in DEPENDENCIES:
            add_dependency(None, components[name], components[depends_on], kind)

        # History is written oldest first: a backfilled change rewrites what follows it.
        for days, name, impact, affected in PAST_INCIDENTS:
            start = (now - timedelta(days=days)).replace(hour=9, minute=12, second=0)
            incident = declare_incident(
                None,
                name,
                impact,
                {components[c]: s for c, s in affected.items()},
                body=_body(name, "investigating", 1),
                started_at=start,
                deliver_notifications=False,
                reviewed=True,
            )
            for step, (minutes, status) in enumerate(
                [(30, "identified"), (95, "monitoring"), (150, "resolved")], start=2
            ):
                post_incident_update(
                    None,
                    incident,
                    status,
                    _body(name, status, step),
                    at=start + timedelta(minutes=minutes),
                    deliver_notifications=False,
                    reviewed=True,
                )

        updates = 0
        for hours, name, impact, affected in ACTIVE_INCIDENTS:
            start = now - timedelta(hours=hours)
            step_time = timedelta(hours=hours) / (len(ACTIVE_TIMELINE) + 1)
            incident = declare_incident(
                None,
                name,
                impact,
                {components[c]: s for c, s in affected.items()},
                body=_body(name, ACTIVE_TIMELINE[0], 1),
                started_at=start,
                deliver_notifications=False,
                reviewed=True,
            )
            updates += 1
            for step, status in enumerate(ACTIVE_TIMELINE[1:], start=2):
                post_incident_update(
                    None,
                    incident,
                    status,
                    _body(name, status, step),
                    at=start + step_time * (step - 1),
                    deliver_notifications=False,
                    reviewed=True,
                )
                updates += 1
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {
        "groups": len(GROUPS),
        "components": len(components),
        "past": len(PAST_INCIDENTS),
        "active": len(ACTIVE_INCIDENTS),
        "active_updates": updates,
    }
