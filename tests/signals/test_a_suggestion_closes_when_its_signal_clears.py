"""A suggestion whose signal has cleared (the alert resolved and settled, the integration
was revoked, the vendor recovered) closes by itself: dismissed by nobody, so the dashboard
lists only live ones. Declaring one whose source no longer claims any of its components
is refused (409, "the signal has cleared"), and declaring applies only the statuses its
source still claims."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEvent
from app.signals.alerts import ingest_alertmanager
from app.signals.integrations import revoke_integration
from app.signals.suggestions import declare_suggestion, suggest
from app.signals.vendors import _apply_claims, create_source, delete_source
from core.db import db
from core.errors import Conflict
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, shown, suggestions


def fire(made, status="firing", **labels):
    alert = am_alert(
        "ApiDown", status=status, severity="critical", herald_component="API", **labels
    )
    ingest_alertmanager(made, alertmanager(alert))
    db.session.commit()


def test_a_resolved_and_settled_alert_closes_its_suggestion(app, make_component):
    make_component("API")
    made, _ = integration(min_firing_seconds=0, min_clear_seconds=0)
    fire(made)
    [suggestion] = suggestions()
    assert suggestion.state == "open"
    fire(made, status="resolved")
    db.session.expire_all()
    [suggestion] = suggestions()
    assert (suggestion.state, suggestion.decided_by_id) == ("dismissed", None)
    assert suggestion.decided_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "suggestion.dismiss"))
    assert event.summary.endswith("the signal has cleared")
    with pytest.raises(Conflict, match="the signal has cleared"):
        declare_suggestion(None, suggestion)


def test_revoking_the_integration_closes_its_suggestion(app, make_component):
    make_component("API")
    made, _ = integration(min_firing_seconds=0, min_clear_seconds=0)
    fire(made)
    assert revoke_integration(None, made)
    db.session.commit()
    db.session.expire_all()
    assert [s.state for s in suggestions()] == ["dismissed"]


def test_a_second_instance_still_firing_keeps_the_suggestion_open(app, make_component):
    make_component("API")
    made, _ = integration(min_firing_seconds=0, min_clear_seconds=0)
    fire(made, fingerprint="one", instance="a")
    fire(made, fingerprint="two", instance="b")
    fire(made, status="resolved", fingerprint="one", instance="a")
    db.session.expire_all()
    assert [s.state for s in suggestions()] == ["open"]


def vendor(make_component):
    api, web = make_component("API"), make_component("Web")
    source = create_source(
        None,
        name="Stripe",
        url="https://status.stripe.example/api/v2/summary.json",
        components={"API": api.id, "Web": web.id},
    )
    db.session.commit()
    return source, api, web


INCIDENT = {
    "id": "inc-1",
    "name": "Stripe: API and dashboard errors",
    "components": ["API", "Web"],
    "link": "https://status.stripe.example/incidents/inc-1",
    "text": "Errors on the API and the dashboard.",
}


def says(source, incidents=(), **statuses):
    parsed = {
        "page": {"url": "https://status.stripe.example"},
        "components": [{"name": n, "status": s} for n, s in statuses.items()],
        "incidents": list(incidents),
    }
    previous = source.snapshot or {}
    source.snapshot = parsed
    _apply_claims(source, parsed, previous=previous)
    db.session.commit()
    db.session.expire_all()


def test_a_vendor_recovery_closes_its_suggestion(app, make_component):
    source, api, _ = vendor(make_component)
    says(source, API="major_outage", Web="operational")
    assert [s.state for s in suggestions()] == ["open"]
    says(source, API="operational", Web="operational")
    assert [(s.state, s.decided_by_id) for s in suggestions()] == [("dismissed", None)]
    assert shown(api) == "operational"


def test_deleting_the_source_closes_its_suggestion(app, make_component):
    source, _, _ = vendor(make_component)
    says(source, API="major_outage", Web="operational")
    delete_source(None, source)
    db.session.commit()
    db.session.expire_all()
    assert [s.state for s in suggestions()] == ["dismissed"]


def test_declaring_applies_only_what_is_still_claimed(app, make_component, make_user):
    source, api, web = vendor(make_component)
    says(source, [INCIDENT], API="major_outage", Web="major_outage")
    [suggestion] = suggestions()
    says(source, [INCIDENT], API="operational", Web="degraded_performance")
    db.session.expire_all()
    [suggestion] = suggestions()
    assert suggestion.state == "open"
    incident = declare_suggestion(make_user("comms_lead"), suggestion)
    db.session.commit()
    assert {link.component.name: link.status for link in incident.affected} == {
        "Web": "degraded_performance"
    }
    assert (shown(api), shown(web)) == ("operational", "degraded_performance")


def test_a_suggestion_nothing_claims_any_more_is_refused(app, make_component):
    api = make_component("API")
    suggestion = suggest(
        "vendor",
        "vendor:404:gone",
        name="Gone vendor reports an outage",
        impact="major",
        component_statuses={api.id: "major_outage"},
        facts="Nothing claims this now.",
    )
    db.session.commit()
    with pytest.raises(Conflict, match="the signal has cleared") as refused:
        declare_suggestion(None, suggestion)
    assert refused.value.status == 409
    assert shown(api) == "operational"
