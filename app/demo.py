"""Demo data: Brightwave, a fictional payments platform, with 90 days of history.

Everything is created through the same services the admin uses, so the demo also shows
that backfilled incidents, dependencies and uptime roll-ups work together.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app import accounts
from app.comms import rollcall
from app.comms.approval import approve
from app.comms.context import Facts
from app.comms.drafting import compose
from app.comms.escalation import escalate
from app.comms.publishing import publish
from app.extensions import db
from app.incidents.services import declare_incident, post_incident_update, save_postmortem
from app.maintenance.services import schedule_maintenance
from app.models import Base, Communication, Component, RollCall, utcnow
from app.status.components import add_dependency, create_component, create_group
from subscribers import registry
from subscribers.models import Broadcast

DEMO_PASSWORD = "herald-demo-password"
DEMO_USERS = [
    ("admin@example.com", "admin", "Ada Admin", None),
    ("comms@example.com", "comms_lead", "Casey Comms", None),
    ("approver@example.com", "approver", "Priya PR", None),
    ("responder@example.com", "responder", "Rafael Responder", "Platform"),
    ("viewer@example.com", "viewer", "Vic Viewer", "Support"),
]

TEAMS = [
    ("Web", "Website and dashboard", "web@example.com"),
    ("Mobile", "iOS and Android apps", "mobile@example.com"),
    ("Platform", "API, webhooks and the job queue", "platform@example.com"),
    ("Identity", "Sign-in and SSO", "identity@example.com"),
    ("Payments", "Card payments, payouts and the processor relationship", "payments@example.com"),
    ("Billing", "Invoicing and subscriptions", "billing@example.com"),
    ("Risk", "Fraud screening", "risk@example.com"),
    ("Data platform", "Databases, cache and search", "data@example.com"),
    ("Developer productivity", "CI/CD and internal tools", "devprod@example.com"),
    ("Support", "Customer support", "support@example.com"),
]

# A few subscribers per audience: audience, channel, address, name, key account. Each team
# also gets its address (TEAMS) as an internal subscriber, and Payments a phone, so that
# the roll call reaches them.
DEMO_SUBSCRIBERS = [
    ("customers", "email", "it-ops@acme-retail.example", "Acme Retail", True),
    ("customers", "email", "jo@corner-bakery.example", "", False),
    ("customers", "sms", "+14155550142", "", False),
    ("support", "email", "support-leads@example.com", "", False),
    ("support", "email", "tier2-support@example.com", "", False),
    ("engineering", "email", "engineering@example.com", "", False),
    ("engineering", "email", "sre-oncall@example.com", "", False),
    ("executives", "email", "ceo@example.com", "", False),
    ("executives", "sms", "+14155550143", "", False),
    ("press", "email", "newsdesk@fintech-weekly.example", "", False),
]
PAYMENTS_ONCALL_PHONE = "+14155550144"

# group, name, description, visibility, tier, team
COMPONENTS = [
    (
        "Customer-facing",
        "Website",
        "brightwave.example marketing site and docs",
        "public",
        "tier3",
        "Web",
    ),
    ("Customer-facing", "Dashboard", "The merchant dashboard", "public", "tier1", "Web"),
    (
        "Customer-facing",
        "Mobile app",
        "Brightwave for iOS and Android",
        "public",
        "tier2",
        "Mobile",
    ),
    ("API & integrations", "REST API", "api.brightwave.example", "public", "tier1", "Platform"),
    (
        "API & integrations",
        "Webhooks",
        "Event notifications to merchant endpoints",
        "public",
        "tier2",
        "Platform",
    ),
    (
        "API & integrations",
        "Sign-in and SSO",
        "Password, SAML and Google sign-in",
        "public",
        "tier1",
        "Identity",
    ),
    (
        "Payments",
        "Card payments",
        "Authorisation and capture of card payments",
        "public",
        "tier1",
        "Payments",
    ),
    (
        "Payments",
        "Payouts",
        "Transfers of settled funds to merchants' banks",
        "public",
        "tier1",
        "Payments",
    ),
    ("Payments", "Invoicing", "Invoices and payment links", "public", "tier2", "Billing"),
    ("Payments", "Fraud screening", "Risk scoring of payments", "public", "tier2", "Risk"),
    (
        "Infrastructure",
        "Primary database",
        "PostgreSQL cluster",
        "internal",
        "tier1",
        "Data platform",
    ),
    ("Infrastructure", "Cache cluster", "Redis cache", "internal", "tier2", "Data platform"),
    (
        "Infrastructure",
        "Job queue",
        "Background jobs and schedulers",
        "internal",
        "tier1",
        "Platform",
    ),
    (
        "Infrastructure",
        "Search cluster",
        "Search behind the dashboard",
        "internal",
        "tier3",
        "Data platform",
    ),
    (
        "Infrastructure",
        "CI/CD pipeline",
        "Builds and deploys",
        "internal",
        "tier3",
        "Developer productivity",
    ),
    (
        "Infrastructure",
        "Internal admin tools",
        "Back-office tools for staff",
        "internal",
        "tier3",
        "Developer productivity",
    ),
    (
        "Third-party vendors",
        "Card processor",
        "Our card network processor",
        "public",
        "tier1",
        "Payments",
    ),
    (
        "Third-party vendors",
        "Bank transfer partner",
        "SEPA and ACH transfers",
        "public",
        "tier1",
        "Payments",
    ),
    (
        "Third-party vendors",
        "Email delivery",
        "Transactional email provider",
        "public",
        "tier2",
        "Platform",
    ),
    ("Third-party vendors", "SMS delivery", "Text message provider", "public", "tier3", "Platform"),
]

# component, depends on, kind
DEPENDENCIES = [
    ("Dashboard", "REST API", "hard"),
    ("Dashboard", "Sign-in and SSO", "hard"),
    ("Dashboard", "Search cluster", "soft"),
    ("Mobile app", "REST API", "hard"),
    ("REST API", "Primary database", "hard"),
    ("REST API", "Cache cluster", "soft"),
    ("Webhooks", "Job queue", "hard"),
    ("Sign-in and SSO", "Primary database", "hard"),
    ("Card payments", "REST API", "hard"),
    ("Card payments", "Card processor", "hard"),
    ("Card payments", "Fraud screening", "soft"),
    ("Payouts", "Job queue", "hard"),
    ("Payouts", "Bank transfer partner", "hard"),
    ("Invoicing", "Email delivery", "soft"),
    ("Job queue", "Primary database", "hard"),
]

# days ago, name, impact, visibility, [(component, status)], timeline
# timeline: [(minutes after start, status, body, {component: status} or None)]
PAST_INCIDENTS = [
    (
        83,
        "Elevated card payment declines",
        "major",
        "public",
        [("Card processor", "major_outage"), ("Card payments", "partial_outage")],
        [
            (
                0,
                "investigating",
                "We are seeing an increased rate of declined card payments. "
                "Some customers may be unable to complete checkout. We are investigating.",
            ),
            (
                25,
                "identified",
                "Our card processor has confirmed a problem on their side "
                "affecting authorisations for some card networks. We are working with them "
                "on a fix and will update within 30 minutes.",
                None,
            ),
            (
                70,
                "monitoring",
                "The processor has deployed a fix and the decline rate is back "
                "to normal. We are monitoring closely.",
                {"Card processor": "degraded_performance", "Card payments": "operational"},
            ),
            (
                110,
                "resolved",
                "This incident is resolved. Payments declined during the incident "
                "can be retried safely; no customer was charged for a declined payment.",
                None,
            ),
        ],
    ),
    (
        71,
        "Sign-in failures for SSO users",
        "minor",
        "public",
        [("Sign-in and SSO", "partial_outage")],
        [
            (
                0,
                "investigating",
                "Some customers who sign in with SAML single sign-on see an "
                "error. Password sign-in works. We are investigating.",
            ),
            (
                20,
                "identified",
                "An expired signing certificate caused SSO sign-in to fail. "
                "We are rolling out a renewed certificate.",
                None,
            ),
            (
                45,
                "resolved",
                "SSO sign-in works again for everyone. We are sorry for the disruption.",
                None,
            ),
        ],
    ),
    (
        58,
        "Delayed webhook deliveries",
        "minor",
        "public",
        [("Webhooks", "degraded_performance")],
        [
            (
                0,
                "investigating",
                "Webhook events are being delivered with delays of up to 20 "
                "minutes. No events have been lost.",
            ),
            (
                60,
                "identified",
                "A backlog in our job queue is slowing deliveries. We have added "
                "capacity and the backlog is shrinking.",
                None,
            ),
            (
                150,
                "monitoring",
                "Deliveries are back to normal speed; the last delayed events are being sent now.",
                None,
            ),
            (180, "resolved", "All delayed webhook events have been delivered.", None),
        ],
    ),
    (
        44,
        "API unavailable in the EU region",
        "critical",
        "public",
        [("REST API", "major_outage")],
        [
            (
                0,
                "investigating",
                "The API is returning errors for most requests in the EU "
                "region. The dashboard, mobile app and card payments are affected. We are "
                "investigating with the highest priority.",
            ),
            (
                15,
                "identified",
                "A configuration change to our load balancers removed healthy "
                "servers from rotation. We are rolling it back.",
                None,
            ),
            (
                40,
                "monitoring",
                "The rollback is complete and error rates are back to normal. "
                "We are watching the recovery.",
                {"REST API": "degraded_performance"},
            ),
            (
                75,
                "resolved",
                "The API is fully available again. We will publish a postmortem "
                "describing what happened and what we are changing.",
                None,
            ),
        ],
    ),
    (
        30,
        "Invoice emails delayed",
        "minor",
        "public",
        [("Email delivery", "degraded_performance"), ("Invoicing", "degraded_performance")],
        [
            (
                0,
                "investigating",
                "Invoice emails are being delivered late. Invoices and payment "
                "links still work in the dashboard.",
            ),
            (
                90,
                "identified",
                "Our email provider is throttling our sending. They are working "
                "on raising the limit.",
                None,
            ),
            (
                300,
                "resolved",
                "Invoice emails are flowing normally and the backlog has been sent.",
                None,
            ),
        ],
    ),
    (
        17,
        "Slow dashboard page loads",
        "minor",
        "public",
        [("Dashboard", "degraded_performance")],
        [
            (
                0,
                "investigating",
                "Some dashboard pages are loading slowly. Payments and the API are not affected.",
            ),
            (
                45,
                "monitoring",
                "We have added capacity to the search cluster behind the "
                "dashboard. Pages load normally again.",
                None,
            ),
            (120, "resolved", "Dashboard performance is back to normal.", None),
        ],
    ),
    (
        10,
        "CI runners unavailable",
        "minor",
        "internal",
        [("CI/CD pipeline", "major_outage")],
        [
            (0, "investigating", "Build runners are failing to start. Deploys are paused."),
            (35, "identified", "The runner image registry ran out of disk. Cleaning up.", None),
            (80, "resolved", "Runners are back; deploys can resume.", None),
        ],
    ),
    (
        6,
        "Delayed SEPA payouts",
        "major",
        "public",
        [("Payouts", "partial_outage"), ("Bank transfer partner", "partial_outage")],
        [
            (
                0,
                "investigating",
                "Today's SEPA payouts have not yet reached merchants' banks. "
                "Card payments and other payouts are not affected.",
            ),
            (
                60,
                "identified",
                "Our bank transfer partner did not process this morning's payout "
                "file. They are reprocessing it now.",
                None,
            ),
            (
                180,
                "monitoring",
                "The payout file has been processed. Funds should arrive by the end of the day.",
                {"Bank transfer partner": "operational"},
            ),
            (
                240,
                "resolved",
                "All delayed SEPA payouts have been sent. We are sorry for the delay.",
                None,
            ),
        ],
    ),
]

POSTMORTEM = """## Summary

For 75 minutes the REST API returned errors for most requests in the EU region. The
dashboard, the mobile app and card payments, which depend on the API, were unavailable or
degraded for the same time.

## What happened

A change to our load balancer configuration was meant to drain one pool of servers. A
mistake in the change's scope drained every pool in the region. Health checks did not catch
it because the load balancers themselves stayed healthy.

## What we are changing

- Load balancer changes now roll out to one availability zone at a time, with an automatic
  rollback when error rates rise.
- We added an alert on the share of healthy servers in rotation.
- Our on-call runbook now includes a one-step rollback of load balancer configuration.

We are sorry. We know how much your business relies on Brightwave.
"""


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Component)) == 0


def reset_database() -> None:
    """Delete every row (tables stay). Only for ``herald seed-demo --reset``."""
    for table in reversed(Base.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def seed_demo() -> None:
    """Load the demo company into an empty database, then commit."""
    now = utcnow()
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

    born = now - timedelta(days=120)
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

    # History is written oldest first: a backfilled change rewrites what follows it.
    def past_incident(start, name, impact, visibility, affected, timeline):
        _, status, body = timeline[0]
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
        )
        for minutes, status, body, changes in timeline[1:]:
            post_incident_update(
                None,
                incident,
                status,
                body,
                {components[c]: s for c, s in (changes or {}).items()},
                at=start + timedelta(minutes=minutes),
                deliver_notifications=False,
            )
        if name == "API unavailable in the EU region":
            save_postmortem(None, incident, POSTMORTEM, publish=True)

    def past_maintenance(start):
        schedule_maintenance(
            None,
            "Primary database minor version upgrade",
            start,
            start + timedelta(hours=1),
            [components["Primary database"], components["REST API"]],
            body="We will upgrade our primary database. The API may answer slowly for a few "
            "seconds during the switch-over.",
            deliver_notifications=False,
            allow_past=True,
        )

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

    active = declare_incident(
        None,
        "Slower card authorisations in the EU",
        "minor",
        {components["Card payments"]: "degraded_performance"},
        body="Card authorisations in the EU are taking longer than usual (about 4 seconds "
        "instead of 1). Payments are succeeding. We are investigating.",
        started_at=now - timedelta(minutes=48),
        deliver_notifications=False,
    )
    add_subscribers(teams)
    communications_workflow(active, components, users)
    db.session.commit()


def add_subscribers(teams: dict) -> None:
    """A few subscribers per audience, and each team's address (one team by phone too)."""
    for audience, channel, address, name, key_account in DEMO_SUBSCRIBERS:
        registry.add_internal(
            channel, address, audience, name=name, key_account=key_account, notify=False
        )
    for name, _, email in TEAMS:
        registry.add_internal("email", email, "engineering", team=teams[name], notify=False)
    registry.add_internal(
        "sms", PAYMENTS_ONCALL_PHONE, "engineering", team=teams["Payments"], notify=False
    )


def communications_workflow(active, components: dict, users: dict) -> None:
    """What Herald did for the active incident: the executives alerted, the roll call
    (answered by two teams), and the "identified" update drafted from one fact sheet,
    approved by PR and published by the communications lead."""
    now = utcnow()
    lead, approver = users["comms_lead"], users["approver"]
    active.comms_lead_id = lead.id
    escalate(active)
    rollcall.start_roll_call(active)
    calls = {call.team.name: call for call in db.session.scalars(select(RollCall))}
    rollcall.answer(calls["Payments"], "affected", by=PAYMENTS_ONCALL_PHONE, via="sms", note="")
    rollcall.answer(calls["Web"], "operational", by="email link", via="email")
    # As it happened: the alerts went out when the incident was declared.
    declared = active.started_at + timedelta(minutes=1)
    for call in calls.values():
        call.created_at = declared
    calls["Payments"].answered_at = declared + timedelta(minutes=4)
    calls["Web"].answered_at = declared + timedelta(minutes=9)
    for row in db.session.scalars(select(Communication)):
        row.created_at = declared
    for broadcast in db.session.scalars(select(Broadcast)):
        broadcast.created_at = declared

    sheet = compose(
        lead,
        active,
        status="identified",
        facts=Facts(
            summary="We traced the slowdown to one of our fraud screening nodes and are "
            "replacing it.",
            customer_impact="Card payments in the EU take about 4 seconds instead of 1. "
            "Payments are succeeding.",
            workaround="No action is needed: payments complete, only more slowly.",
            next_update_at=now + timedelta(minutes=30),
            technical_detail="fraud-scorer-eu-3 answers in p99 3.8 s (normally 120 ms) "
            "after a kernel update; the authorisation path waits on its soft timeout. "
            "Draining it from the pool and rebuilding it from the previous image.",
        ),
        audiences=["customers", "support", "engineering", "executives"],
        components={
            components["Card payments"]: "degraded_performance",
            components["Fraud screening"]: "degraded_performance",
        },
    )
    for draft in sheet.drafts:
        if draft.needs_approval:
            approve(approver, draft, "Fine to go.")
    publish(lead, sheet, idempotency_key="demo-identified-update")
