"""The demo company: its teams, people, components, dependencies and past incidents."""

DEMO_PASSWORD = "herald-demo-password"
# `herald demo` names the page after the company unless HERALD_PAGE_NAME is set.
DEMO_PAGE_NAME = "Brightwave Status"
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
# Customers who read another language (app.i18n): their notices come in it.
# audience, channel, address, name, language
DEMO_SUBSCRIBERS_ABROAD = [
    ("customers", "email", "betrieb@stadtwerke-nord.example", "Stadtwerke Nord", "de"),
    ("customers", "sms", "+34612345678", "", "es"),
]

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
