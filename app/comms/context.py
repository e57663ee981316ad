"""What a template can use: the facts, the incident, its components, formatted times.

Every value is plain data (strings, lists, dicts): the sandbox has nothing to reach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.comms.audience_keys import PAGE_PREFIX, is_external, is_page_audience
from app.comms.phases import INCIDENT_PHASES
from app.comms.team_status import ComponentState
from app.i18n.dates import is_english, language, short_day_text
from app.i18n.words import INCIDENT_STATUS_WORDS, STATUS_WORDS
from app.models import Component, Incident, PrivatePage, utcnow
from app.models.pages import page_components
from app.reports.credits import incident_credit
from app.status.effective import dependents_of
from app.status.entries import format_time, format_window
from app.timeutil import human_duration, page_zone
from core.db import db

PUBLIC_AUDIENCES = ("customers", "press")


def page_component_ids(audience_key: str) -> set[int]:
    """A private page's components (hidden ones too), which its audience's texts may name;
    empty for any other audience."""
    if not is_page_audience(audience_key):
        return set()
    slug = audience_key[len(PAGE_PREFIX) :]
    return set(
        db.session.scalars(
            select(page_components.c.component_id)
            .join(PrivatePage, PrivatePage.id == page_components.c.page_id)
            .where(PrivatePage.slug == slug)
        )
    )


@dataclass
class Facts:
    """The fact sheet the communications lead fills in once."""

    summary: str = ""
    customer_impact: str = ""
    workaround: str = ""
    eta: datetime | None = None
    next_update_at: datetime | None = None
    technical_detail: str = ""

    @classmethod
    def of(cls, sheet) -> Facts:
        return cls(
            sheet.summary,
            sheet.customer_impact,
            sheet.workaround,
            sheet.eta,
            sheet.next_update_at,
            sheet.technical_detail,
        )


def _time(moment: datetime | None) -> str:
    return format_time(moment, page_zone()) if moment else ""


def _clock(moment: datetime | None, today: date | None = None) -> str:
    """A short time for SMS: "14:30 UTC" today, else "28 Nov 14:30 UTC"."""
    if moment is None:
        return ""
    local = moment.astimezone(page_zone())
    if today is None:
        today = utcnow().astimezone(page_zone()).date()
    if local.date() == today:
        day = ""
    elif is_english():
        day = f"{local:%-d %b} "
    else:
        day = short_day_text(local, language()) + " "
    return f"{day}{local:%H:%M} {local.tzname()}"


def incident_context(
    incident: Incident,
    status: str,
    facts: Facts,
    components: dict[Component, str],
    audience_key: str,
    impact: str | None = None,
    now: datetime | None = None,
) -> dict:
    """The context for one audience's template about one incident update; ``impact`` is
    the update's (a fact sheet's chosen impact), else the incident's as it stands. The
    incident's length runs to ``now`` (the present moment unless given)."""
    config = current_app.config
    public_only = is_external(audience_key)
    own = page_component_ids(audience_key)
    visible = {c: s for c, s in components.items() if c.is_public or not public_only or c.id in own}
    # Only what a component still down takes with it (found by a new user: a recovered
    # component's dependants were still named as affected).
    dependent_ids = dependents_of({c.id for c, s in components.items() if s != "operational"})
    from core.db import db

    dependents = [db.session.get(Component, cid) for cid in sorted(dependent_ids)]
    dependents = [
        c for c in dependents if c is not None and (c.is_public or not public_only or c.id in own)
    ]
    now = now or utcnow()
    return {
        "page_name": config["PAGE_NAME"],
        "public_url": config["PUBLIC_URL"],
        "audience": {"key": audience_key},
        "status": status,
        "status_label": str(INCIDENT_STATUS_WORDS[status]),
        "incident": {
            "name": incident.name,
            "impact": impact or incident.impact,
            "status": incident.status,
            "started_at": _time(incident.started_at),
            "duration": human_duration((now - incident.started_at).total_seconds()),
            # A private page's readers follow its own page, never the public site.
            # (its card: the page lists it while open and for 7 days once resolved).
            "url": f"{config['PUBLIC_URL']}/p/{audience_key.removeprefix(PAGE_PREFIX)}"
            f"#incident-{incident.public_id}"
            if is_page_audience(audience_key)
            else f"{config['PUBLIC_URL']}/incidents/{incident.public_id}",
            "internal_url": f"{config['PUBLIC_URL']}/internal/incidents/{incident.public_id}",
            "public": incident.is_public,
        },
        "facts": {
            "summary": facts.summary.strip(),
            "customer_impact": facts.customer_impact.strip(),
            "workaround": facts.workaround.strip(),
            "technical_detail": facts.technical_detail.strip(),
        },
        "eta": _time(facts.eta),
        "eta_short": _clock(facts.eta),
        "next_update": _time(facts.next_update_at),
        "next_update_short": _clock(facts.next_update_at),
        "components": [c.name for c in visible],
        "component_statuses": [
            {"name": c.name, "status": s, "status_label": str(STATUS_WORDS[s])}
            for c, s in visible.items()
        ],
        "dependents": [c.name for c in dependents],
        "tier1": [c.name for c in list(visible) + dependents if c.tier == "tier1"],
        "credit": _credit(incident, status, public_only),
    }


def _credit(incident: Incident, status: str, public_only: bool) -> dict | None:
    """On resolution, the service credit owed this month by the incident's components
    whose breach of their SLA is already certain ({"percent", "components", "month"}), else None:
    the customers' resolved template offers it under ``{% if credit %}``."""
    if status != "resolved":
        return None
    shown = [c for c in incident.components if c.is_public or not public_only]
    return incident_credit(shown)


# The sample incident: it started at 14:05 on 28 Nov 2026 and it is 14:40 now.
SAMPLE_STARTED = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
SAMPLE_NOW = SAMPLE_STARTED + timedelta(minutes=35)
SAMPLE_NEXT_UPDATE = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
SAMPLE_ETA = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
SAMPLE_WINDOW = (datetime(2026, 12, 1, 2, 0, tzinfo=UTC), datetime(2026, 12, 1, 3, 0, tzinfo=UTC))


def sample_context(audience_key: str, phase: str | None = None) -> dict:
    """A plausible context for checking a template when it is saved and for previewing
    it: its times and words are formatted as a real message's are, in the language
    being rendered (call it under ``flask_babel.force_locale``), and for an incident
    phase the incident has that phase's status (else it is identified)."""
    config = current_app.config
    status = phase if phase in INCIDENT_PHASES else "identified"
    today = SAMPLE_NOW.astimezone(page_zone()).date()
    return {
        "page_name": config["PAGE_NAME"],
        "public_url": config["PUBLIC_URL"],
        "audience": {"key": audience_key},
        "status": status,
        "status_label": str(INCIDENT_STATUS_WORDS[status]),
        "incident": {
            "name": "Card payments failing",
            "impact": "major",
            "status": status,
            "started_at": _time(SAMPLE_STARTED),
            "duration": human_duration((SAMPLE_NOW - SAMPLE_STARTED).total_seconds()),
            "url": f"{config['PUBLIC_URL']}/incidents/x",
            "internal_url": f"{config['PUBLIC_URL']}/internal/incidents/x",
            "public": True,
        },
        "facts": {
            "summary": "Some card payments are failing.",
            "customer_impact": "About 10% of card payments in the EU fail.",
            "workaround": "Retry the payment, or pay by bank transfer.",
            "technical_detail": "The card processor returns 502 for some requests.",
        },
        "eta": _time(SAMPLE_ETA),
        "eta_short": _clock(SAMPLE_ETA, today),
        "next_update": _time(SAMPLE_NEXT_UPDATE),
        "next_update_short": _clock(SAMPLE_NEXT_UPDATE, today),
        "components": ["Card payments"],
        "component_statuses": [
            {
                "name": "Card payments",
                "status": "partial_outage",
                "status_label": str(STATUS_WORDS["partial_outage"]),
            }
        ],
        "dependents": ["Checkout"],
        "tier1": ["Card payments"],
        # None, as for most incidents: the default texts' golden files show no credit.
        "credit": None,
        "team": {"name": "Payments"},
        "team_components": ["Card payments"],
        "team_affected": True,
        "team_not_operational": [
            ComponentState(
                "Card payments", "partial_outage", cause="caused by this incident"
            ).as_context()
        ],
        "team_held": False,
        "team_recovered": ["Payouts"],
        "asked_again": False,
        "team_answered": True,
        "answer_operational_url": f"{config['PUBLIC_URL']}/rollcall/x/operational",
        "answer_affected_url": f"{config['PUBLIC_URL']}/rollcall/x/affected",
        "maintenance": {
            "name": "Database upgrade",
            "window": format_window(*SAMPLE_WINDOW, page_zone()),
            "url": f"{config['PUBLIC_URL']}/maintenance/x",
        },
        "overdue_by": human_duration(12 * 60),
        "lead": {"name": "Casey"},
        "suggestion": {
            "name": "Stripe: Elevated API error rates",
            "origin": "vendor",
            "heard_from": "Stripe's status page",
            "impact": "major",
            "facts": "Stripe reports elevated error rates on API requests. We are investigating.",
            "link": "https://status.stripe.example/incidents/x",
            "components": [
                {
                    "name": "Card payments",
                    "status": "partial_outage",
                    "status_label": "Partial outage",
                }
            ],
            "url": f"{config['PUBLIC_URL']}/admin/suggested-incidents/x",
        },
    }


def maintenance_context(maintenance, audience_key: str) -> dict:
    """The context of a maintenance notice for one audience."""
    config = current_app.config
    public_only = is_external(audience_key)
    own = page_component_ids(audience_key)
    components = [
        link.component
        for link in maintenance.affected
        if link.component.is_public or not public_only or link.component_id in own
    ]
    return {
        "page_name": config["PAGE_NAME"],
        "public_url": config["PUBLIC_URL"],
        "audience": {"key": audience_key},
        "maintenance": {
            "name": maintenance.name,
            "window": format_window(
                maintenance.scheduled_for, maintenance.scheduled_until, page_zone()
            ),
            "url": f"{config['PUBLIC_URL']}/maintenance/{maintenance.public_id}",
        },
        "components": [c.name for c in components],
        "component_statuses": [
            {"name": c.name, "status": c.status, "status_label": str(STATUS_WORDS[c.status])}
            for c in components
        ],
        "dependents": [],
        "tier1": [c.name for c in components if c.tier == "tier1"],
    }
