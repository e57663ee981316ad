"""The demo's vendor: "Kestrel Pay", a fictional card network whose Statuspage-style
status the demo serves itself at /demo/vendor/api/v2/summary.json, so that the demo's
vendor source works offline.

The route exists only in the demo: ``herald demo`` registers it before serving (see
app/cli.py). The source that reads it is marked ``is_demo`` and shown in the admin as
"served by this demo"; it reaches the demo through the local address, which the demo may
fetch because private addresses are refused only in production.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import select

from app.models import Component, VendorSource, utcnow
from core.db import db
from core.errors import ServiceError

DEMO_VENDOR_NAME = "Kestrel Pay"
DEMO_VENDOR_PATH = "/demo/vendor/api/v2/summary.json"
# Vendor component → the demo component it stands for.
DEMO_VENDOR_MAP = {"Card Network": "Card processor"}

bp = Blueprint("demo_vendor", __name__)


def _stamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


# What staff may make Kestrel report for its card network, from the demo source's admin
# page, to watch a vendor's change reach the pages, the suggestions and the team (found by
# a new user, who could not change it). Kept in the instance folder: every process agrees.
DEMO_STATES = ("operational", "degraded_performance", "partial_outage", "major_outage")
DEMO_STATE_FILE = "demo_vendor_status"
_WORDS = {
    "degraded_performance": (
        "Authorisations for some European merchants take about 4 seconds. Our network is "
        "healthy: the time is spent in the merchants' own fraud checks before their "
        "requests reach us. We are working with the affected merchants."
    ),
    "partial_outage": (
        "About one in ten card authorisations from European merchants fails. We have found "
        "a faulty router in our Frankfurt data centre and are moving traffic away from it."
    ),
    "major_outage": (
        "Card authorisations from European merchants are failing. We are moving all "
        "traffic to our Dublin data centre."
    ),
}
_IMPACTS = {"degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical"}


def demo_state() -> str:
    """What Kestrel reports for its card network now (degraded performance until staff
    change it)."""
    try:
        with open(os.path.join(current_app.instance_path, DEMO_STATE_FILE), encoding="utf-8") as f:
            state = f.read().strip()
    except OSError:
        return "degraded_performance"
    return state if state in DEMO_STATES else "degraded_performance"


def set_demo_state(state: str) -> None:
    if state not in DEMO_STATES:
        raise ServiceError(f"Choose one of {', '.join(DEMO_STATES)}.", "status")
    with open(os.path.join(current_app.instance_path, DEMO_STATE_FILE), "w", encoding="utf-8") as f:
        f.write(state + "\n")


def demo_summary(now=None, state: str | None = None) -> dict:
    """Kestrel's page: by default card authorisations slow in Europe, the same trouble the
    demo's open incident states on the card processor (so the vendor's report joins that
    incident as a signal seen rather than a second suggestion), everything else
    operational; ``state`` (default: ``demo_state()``) is what its card network reports.
    Times follow the clock, like a live page."""
    state = state or demo_state()
    now = (now or utcnow()).replace(second=0, microsecond=0)
    started = now - timedelta(minutes=55)
    page = {
        "id": "kestreldemo1",
        "name": DEMO_VENDOR_NAME,
        "url": "https://status.kestrel-pay.example",
        "time_zone": "Etc/UTC",
        "updated_at": _stamp(now - timedelta(minutes=10)),
    }
    statuses = {
        "Card Network": state,
        "3-D Secure": "operational",
        "Payouts": "operational",
        "Merchant API": "operational",
    }
    components = [
        {
            "id": f"kestrel{index:04d}",
            "name": name,
            "status": status,
            "created_at": "2024-01-01T00:00:00.000Z",
            "updated_at": page["updated_at"],
            "position": index,
            "description": None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": page["id"],
            "group": False,
            "only_show_if_degraded": False,
        }
        for index, (name, status) in enumerate(statuses.items(), start=1)
    ]
    latest = (
        ("resolved", "Card authorisations are back to normal for every merchant.")
        if state == "operational"
        else ("identified", _WORDS[state])
    )
    updates = [
        (*latest, now - timedelta(minutes=10)),
        (
            "investigating",
            "We are investigating slower card authorisations for European issuers.",
            started,
        ),
    ]
    incident = {
        "id": "kestrelinc01",
        "name": "Slower card authorisations in Europe",
        "status": latest[0],
        "created_at": _stamp(started),
        "updated_at": page["updated_at"],
        "monitoring_at": None,
        "resolved_at": page["updated_at"] if state == "operational" else None,
        "impact": _IMPACTS.get(state, "none"),
        "shortlink": "https://status.kestrel-pay.example/incidents/kestrelinc01",
        "started_at": _stamp(started),
        "page_id": page["id"],
        "incident_updates": [
            {
                "id": f"kestrelupd{n}",
                "status": status,
                "body": body,
                "incident_id": "kestrelinc01",
                "created_at": _stamp(at),
                "updated_at": _stamp(at),
                "display_at": _stamp(at),
                "affected_components": [],
                "deliver_notifications": True,
            }
            for n, (status, body, at) in enumerate(updates)
        ],
        "components": [c for c in components if c["name"] == "Card Network"],
    }
    return {
        "page": page,
        "status": (
            {"indicator": "none", "description": "All Systems Operational"}
            if state == "operational"
            else {"indicator": _IMPACTS[state], "description": "Partially Degraded Service"}
        ),
        "components": components,
        # A resolved incident leaves the summary's list, as on a Statuspage page.
        "incidents": [] if state == "operational" else [incident],
        "scheduled_maintenances": [],
    }


@bp.get(DEMO_VENDOR_PATH)
def summary():
    response = jsonify(demo_summary())
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Serve the demo vendor's page (the demo only)."""
    if "demo_vendor" not in app.blueprints:
        app.register_blueprint(bp)


def demo_source_url(public_url: str | None = None) -> str:
    return (public_url or current_app.config["PUBLIC_URL"]).rstrip("/") + DEMO_VENDOR_PATH


def add_demo_source() -> VendorSource:
    """The demo's vendor source, mapped to the demo's card processor component."""
    from app.signals.vendors import create_source

    components = {
        vendor_name: db.session.scalar(select(Component.id).where(Component.name == name))
        for vendor_name, name in DEMO_VENDOR_MAP.items()
    }
    return create_source(
        None,
        name=DEMO_VENDOR_NAME,
        url=demo_source_url(),
        kind="statuspage",
        components={k: v for k, v in components.items() if v is not None},
        poll_seconds=60,
        is_demo=True,
    )


def point_demo_sources_at(public_url: str) -> None:
    """The demo may serve on another port than when it was loaded: its own vendor source
    follows (and is read again at once)."""
    url = demo_source_url(public_url)
    for source in db.session.scalars(select(VendorSource).where(VendorSource.is_demo.is_(True))):
        if source.url != url:
            source.url, source.etag, source.last_modified = url, "", ""
            source.next_poll_at = utcnow()
    db.session.commit()
