"""A critical alert on a component an open incident states as degraded: no screen shows
two statuses for the component. The incident's pages list it at its present status and
say why; the incident team is prompted (incident pages, dashboard, the "signal seen"
notice) to update the incident. The incident's impact, statuses and timeline stay as
the team wrote them, and nothing is published."""

from __future__ import annotations

import re

import pytest

from app.incidents.services import post_incident_update
from app.models import Incident
from core.db import db
from tests.comms.worldkit import build_world, declare
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, post_alertmanager
from tests.signals.suggestion_world import delivered

ALERT = "HighErrorRate"
PROMPT = (
    "Card payments is in major outage (per monitoring alert HighErrorRate), worse than the "
    "degraded performance this incident states."
)


@pytest.fixture
def world(app, audiences):
    return build_world()


def affected_list(html: str) -> list[tuple[str, str, str]]:
    """The incident page's "Affected components": (name, badge status, why)."""
    section = re.search(r'<ul class="affected">(.*?)</ul>', html, re.S).group(1)
    return re.findall(
        r'<li>([^<]+?) <span class="st st-(\w+)"><span class="ic"[^>]*>[^<]*</span> [^<]*</span>'
        r'(?: <span class="meta">\(([^)]*)\)</span>)?</li>',
        section,
    )


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def scenario(world, client):
    incident = declare(
        world,
        "Slower card authorisations",
        "minor",
        {"Card payments": "degraded_performance", "API": "degraded_performance"},
        body="Payments are succeeding, a little slower than usual.",
        reviewed=True,
        deliver_notifications=False,  # so that whatever reaches anyone below is the signal's
    )
    _, token = integration(min_firing_seconds=0, min_clear_seconds=0)
    firing = alertmanager(am_alert(severity="critical", herald_component="Card payments"))
    assert post_alertmanager(client, token, firing).status_code == 200
    db.session.expire_all()
    return db.session.get(Incident, incident.id)


def test_the_public_incident_page_shows_the_present_status_and_not_the_alert_name(scenario, client):
    html = page(client, f"/incidents/{scenario.public_id}")
    assert affected_list(html) == [
        ("API", "degraded_performance", ""),
        ("Card payments", "major_outage", "per our monitoring"),
    ]
    assert ALERT not in html and "Update the incident" not in html
    # The team's words and impact stay theirs.
    assert "Payments are succeeding" in html
    assert "Minor" in html


def test_the_internal_and_staff_incident_pages_name_the_alert_and_prompt_an_update(
    scenario, staff, make_user
):
    responder = staff(make_user("responder"))
    internal = page(responder, f"/internal/incidents/{scenario.public_id}")
    assert affected_list(internal)[1] == (
        "Card payments",
        "major_outage",
        f"per monitoring alert {ALERT}",
    )
    assert PROMPT in internal
    admin = page(responder, f"/admin/incidents/{scenario.id}")
    assert PROMPT in admin
    # The staff incident page keeps "Signals seen" too, as the internal page does.
    for html in (internal, admin):
        assert '<h2 id="signals-h">Signals seen</h2>' in html
        assert "Signal seen: HighErrorRate on the payments API" in html
    assert "Card payments: Degraded performance (now Major outage)" in admin
    dashboard = page(responder, "/admin/")
    assert "signals worse than stated" in dashboard


def test_the_incident_is_not_changed_and_nothing_goes_to_customers(scenario):
    assert scenario.impact == "minor"
    assert {link.component.name: link.status for link in scenario.affected} == {
        "Card payments": "degraded_performance",
        "API": "degraded_performance",
    }
    assert len(scenario.updates) == 1
    assert "customers" not in {d["audience"] for d in delivered()}
    notices = delivered("suggestion", source_prefix="incident-signal:")
    assert notices and {d["audience"] for d in notices} <= {"engineering", "executives", "support"}
    email = next(d for d in notices if d["channel"] == "email")
    assert (
        "Worse than the incident states: Card payments major outage (the incident states "
        "degraded performance)" in email["text"].replace("*", "")
    )
    # The page shows the outage (see above): the email says so, not "nothing was changed".
    assert "The pages already show the worse status" in email["text"]
    assert "nothing was changed" not in email["text"]


def test_a_resolved_incident_lists_what_it_stated_and_prompts_nothing(
    scenario, client, staff, make_user
):
    post_incident_update(None, scenario, "resolved", "Fixed.", {}, deliver_notifications=False)
    db.session.commit()
    html = page(client, f"/incidents/{scenario.public_id}")
    assert [why for _, _, why in affected_list(html)] == ["", ""]
    responder = staff(make_user("responder"))
    assert "worse than the" not in page(responder, f"/admin/incidents/{scenario.id}")


def test_a_component_better_now_than_the_incident_states_shows_its_present_status(
    scenario, client, staff, make_user
):
    """Found by a new user: after the alert cleared, the open incident's internal page
    still badged Payouts "Major outage" while every other screen said Operational."""
    from sqlalchemy import select

    from app.models import Component
    from app.status.components import set_component_status

    api = db.session.scalar(select(Component).where(Component.name == "API"))
    set_component_status(None, api, "operational")
    db.session.commit()
    responder = staff(make_user("responder"))
    internal = page(responder, f"/internal/incidents/{scenario.public_id}")
    assert affected_list(internal)[0] == (
        "API",
        "operational",
        "the incident states degraded performance",
    )
    public = page(client, f"/incidents/{scenario.public_id}")
    assert affected_list(public)[0] == ("API", "operational", "its status now")
    # Once resolved, the incident's statuses are history: as it stated them, no "why".
    post_incident_update(None, scenario, "resolved", "Fixed.", {}, deliver_notifications=False)
    db.session.commit()
    resolved = affected_list(page(client, f"/incidents/{scenario.public_id}"))
    assert [why for _, _, why in resolved] == ["", ""]


def test_a_vendors_reason_is_said_once():
    """Found by a new user: "per vendor status (Reported by Kestrel Pay)"."""
    from app.models import Component, ComponentSignal
    from app.status.stated import WorseThanStated

    def reason(words: str) -> WorseThanStated:
        claim = ComponentSignal(source="vendor:1", status="major_outage", reason=words)
        return WorseThanStated(Component(name="X"), "degraded_performance", "major_outage", claim)

    assert reason("Reported by Kestrel Pay").internal_reason == "reported by Kestrel Pay"
    assert reason("Kestrel says so").internal_reason == "per vendor status (Kestrel says so)"
