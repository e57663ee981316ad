from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.incidents.postmortems import save_postmortem
from app.incidents.services import (
    declare_incident,
    delete_incident,
    edit_incident,
    post_incident_update,
)
from app.models import AuditEvent, Incident, IncidentUpdate, utcnow
from app.status.components import add_dependency
from core.db import db
from core.errors import ServiceError
from tests.public_view import public_text


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_declaring_sets_component_statuses_and_writes_the_first_update(make_component, make_user):
    api = make_component("API")
    lead = make_user("responder")
    incident = declare_incident(
        lead,
        "API errors",
        "major",
        {api: "partial_outage"},
        body="We are investigating errors.",
        reviewed=True,
    )
    db.session.commit()
    assert incident.status == "investigating"
    assert api.status == "partial_outage"
    [update] = incident.updates
    assert update.body == "We are investigating errors."
    assert update.affected_components == [
        {
            "code": api.public_id,
            "name": "API",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    assert update.author_id == lead.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.declare"))
    assert event.actor == lead.email and "API errors" in event.summary


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"impact": "huge"}, "Impact must be one of"),
        ({"visibility": "secret"}, "Visibility must be one of"),
        ({"status": "resolved"}, "cannot start resolved"),
        ({"started_at": "future"}, "in the future"),
    ],
)
def test_a_bad_declaration_is_refused_and_changes_nothing(make_component, kwargs, message):
    api = make_component("API")
    args = {"name": "API errors", "impact": "minor", "body": "Looking.", **kwargs}
    if args.get("started_at") == "future":
        args["started_at"] = utcnow() + timedelta(hours=1)
    with pytest.raises(ServiceError, match=message):
        declare_incident(None, args.pop("name"), args.pop("impact"), {api: "major_outage"}, **args)
    db.session.rollback()
    assert count(Incident) == 0
    assert api.status == "operational"


def test_updates_move_the_incident_and_stamp_each_phase_once(make_component):
    api = make_component("API")
    incident = declare_incident(None, "API errors", "minor", {api: "major_outage"}, body="x")
    post_incident_update(None, incident, "identified", "Found it.")
    first_identified = incident.identified_at
    post_incident_update(None, incident, "identified", "Still on it.")
    post_incident_update(
        None, incident, "monitoring", "Fix deployed.", {api: "degraded_performance"}
    )
    db.session.commit()
    assert incident.identified_at == first_identified
    assert incident.monitoring_at is not None
    assert api.status == "degraded_performance"
    assert [u.status for u in incident.updates] == [
        "monitoring",
        "identified",
        "identified",
        "investigating",
    ]


def test_resolving_restores_components_unless_told_otherwise(make_component):
    api, web = make_component("API"), make_component("Web")
    incident = declare_incident(
        None, "Outage", "major", {api: "major_outage", web: "partial_outage"}, body="x"
    )
    post_incident_update(None, incident, "resolved", "Fixed.", {web: "degraded_performance"})
    db.session.commit()
    assert incident.resolved_at is not None
    assert api.status == "operational"
    assert web.status == "degraded_performance"


def test_a_component_held_by_another_open_incident_keeps_that_status(make_component):
    api = make_component("API")
    first = declare_incident(None, "Errors", "minor", {api: "partial_outage"}, body="x")
    declare_incident(None, "Latency", "minor", {api: "degraded_performance"}, body="y")
    post_incident_update(None, first, "resolved", "Errors fixed.")
    db.session.commit()
    assert api.status == "degraded_performance"


def test_reopening_a_resolved_incident_clears_its_resolution(make_component):
    api = make_component("API")
    incident = declare_incident(None, "Errors", "minor", {api: "partial_outage"}, body="x")
    post_incident_update(None, incident, "resolved", "Fixed.")
    post_incident_update(None, incident, "investigating", "It is back.", {api: "major_outage"})
    db.session.commit()
    assert incident.resolved_at is None
    assert api.status == "major_outage"


def test_an_update_cannot_be_dated_before_the_incident_started(make_component):
    api = make_component("API")
    incident = declare_incident(None, "Errors", "minor", {api: "partial_outage"}, body="x")
    db.session.commit()
    with pytest.raises(ServiceError, match="before the incident started"):
        post_incident_update(
            None, incident, "identified", "x", at=incident.started_at - timedelta(minutes=1)
        )
    db.session.rollback()
    assert count(IncidentUpdate) == 1


def test_update_bodies_are_required_and_statuses_checked(make_component):
    api = make_component("API")
    incident = declare_incident(None, "Errors", "minor", {api: "partial_outage"}, body="x")
    with pytest.raises(ServiceError, match="needs a message"):
        post_incident_update(None, incident, "identified", "   ")
    with pytest.raises(ServiceError, match="Status must be one of"):
        post_incident_update(None, incident, "fixed", "ok")
    with pytest.raises(ServiceError, match="not a component status"):
        post_incident_update(None, incident, "identified", "ok", {api: "broken"})


def test_the_postmortem_needs_a_resolved_incident_and_a_body_to_publish(make_component):
    api = make_component("API")
    incident = declare_incident(None, "Errors", "minor", {api: "partial_outage"}, body="x")
    with pytest.raises(ServiceError, match="Resolve the incident"):
        save_postmortem(None, incident, "Text", publish=True)
    post_incident_update(None, incident, "resolved", "Fixed.")
    with pytest.raises(ServiceError, match="empty postmortem"):
        save_postmortem(None, incident, " ", publish=True)
    save_postmortem(None, incident, "Draft", publish=False)
    assert incident.postmortem_published_at is None
    save_postmortem(None, incident, "## What happened", publish=True)
    assert incident.postmortem_published_at is not None


def test_dependents_are_affected_while_the_incident_lasts(make_component):
    database = make_component("Database", visibility="internal")
    api = make_component("API")
    add_dependency(None, api, database)
    incident = declare_incident(
        None, "DB down", "critical", {database: "major_outage"}, body="x", visibility="internal"
    )
    db.session.commit()
    assert api.effective_status == "major_outage"
    post_incident_update(None, incident, "resolved", "Back.")
    db.session.commit()
    assert api.effective_status == "operational"


def test_editing_and_deleting_are_audited(make_component, make_user):
    admin = make_user("admin")
    api = make_component("API")
    incident = declare_incident(admin, "Errors", "minor", {api: "partial_outage"}, body="x")
    edit_incident(admin, incident, name="API errors", impact="major")
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.edit"))
    assert event.changes == {"name": ["Errors", "API errors"], "impact": ["minor", "major"]}
    delete_incident(admin, incident)
    db.session.commit()
    assert count(Incident) == 0 and count(IncidentUpdate) == 0


def test_an_incident_declared_without_a_message_is_listed_at_once(make_component, client):
    """A public incident is on the public page as soon as it is declared (name, impact,
    status, components), with a neutral line until its first public text; the workflow
    drafts that text, and publishing it announces the incident."""
    api = make_component("API")
    incident = declare_incident(None, "API errors", "major", {api: "major_outage"})
    db.session.commit()
    assert incident.updates == [] and incident.announced_at is None
    page = client.get("/").get_data(as_text=True)
    assert "API errors" in page and "Major outage" in page
    assert "We are looking into this. Updates will be posted here." in page
    [listed] = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert listed["name"] == "API errors" and listed["incident_updates"] == []
    # A quick message (customers need approval) announces nothing.
    post_incident_update(None, incident, "identified", "A bad disk on db-7.")
    db.session.commit()
    assert incident.announced_at is None
    assert "db-7" not in client.get("/").get_data(as_text=True)
    post_incident_update(
        None, incident, "identified", "We found the cause of the errors.", reviewed=True
    )
    db.session.commit()
    assert incident.announced_at is not None
    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "We found the cause of the errors." in page and "db-7" not in page
    assert "We are looking into this" not in page


def customer_notices() -> list:
    from subscribers.models import Broadcast

    return list(
        db.session.scalars(
            select(Broadcast)
            .where(Broadcast.source.like("incident_update:%"))
            .order_by(Broadcast.id)
        )
    )


def test_a_quick_message_stays_internal_while_customers_need_approval(
    make_component, client, audiences
):
    api = make_component("API")
    incident = declare_incident(
        None, "API errors", "major", {api: "major_outage"}, body="Disk full on db-7."
    )
    update = post_incident_update(
        None, incident, "identified", "Rolling back deploy 4411.", {api: "partial_outage"}
    )
    db.session.commit()
    assert [(u.body, u.internal_body) for u in incident.updates] == [
        ("", "Rolling back deploy 4411."),
        ("", "Disk full on db-7."),
    ]
    # The status and components changed at once; nothing was announced nor sent.
    assert (incident.status, api.status, update.status) == (
        "identified",
        "partial_outage",
        "identified",
    )
    assert incident.announced_at is None and customer_notices() == []
    public = public_text(client, incident)
    assert "API errors" in public and "Partial outage" in public
    assert "db-7" not in public and "4411" not in public
    [listed] = client.get("/api/v2/summary.json").get_json()["incidents"]
    assert listed["status"] == "identified" and listed["incident_updates"] == []


def test_a_quick_message_goes_public_when_customers_need_no_approval(
    make_component, client, audiences
):
    from subscribers.audiences import get_audience

    get_audience("customers").needs_approval = False
    api = make_component("API")
    incident = declare_incident(
        None, "API errors", "major", {api: "major_outage"}, body="Requests fail."
    )
    post_incident_update(None, incident, "identified", "We found the cause.")
    db.session.commit()
    assert [u.body for u in incident.updates] == ["We found the cause.", "Requests fail."]
    assert incident.announced_at == incident.started_at
    notices = customer_notices()
    assert [b.audience.key for b in notices] == ["customers", "customers"]
    assert "We found the cause." in notices[-1].text_body
    public = public_text(client, incident)
    assert "Requests fail." in public and "We found the cause." in public


def test_an_internal_incident_never_gets_a_public_text(make_component, audiences):
    from subscribers.audiences import get_audience

    get_audience("customers").needs_approval = False
    database = make_component("Database", visibility="internal")
    incident = declare_incident(
        None,
        "DB slow",
        "minor",
        {database: "degraded_performance"},
        body="Replica lag.",
        visibility="internal",
    )
    post_incident_update(None, incident, "identified", "Vacuum running.", reviewed=True)
    db.session.commit()
    assert [(u.body, u.internal_body) for u in incident.updates] == [
        ("", "Vacuum running."),
        ("", "Replica lag."),
    ]
    assert incident.announced_at is None and customer_notices() == []


def test_an_internal_incident_made_public_exposes_none_of_its_texts(
    make_component, client, audiences
):
    api = make_component("API")
    incident = declare_incident(
        None,
        "API errors",
        "major",
        {api: "major_outage"},
        body="Node 7 is out of memory.",
        visibility="internal",
    )
    post_incident_update(None, incident, "identified", "Leak in build 4411.")
    # A text stored as public by an older version of Herald, while the incident was internal.
    legacy = post_incident_update(None, incident, "monitoring", "Restarted pods.")
    legacy.body, legacy.internal_body = legacy.internal_body, ""
    db.session.commit()
    edit_incident(None, incident, visibility="public")
    db.session.commit()
    assert all(u.body == "" and u.internal_body for u in incident.updates)
    assert incident.announced_at is None and customer_notices() == []
    public = public_text(client, incident)
    assert "API errors" in public
    for secret in ("Node 7", "4411", "Restarted pods"):
        assert secret not in public
    post_incident_update(None, incident, "monitoring", "A fix is out.", reviewed=True)
    db.session.commit()
    assert incident.announced_at is not None
    assert "A fix is out." in client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
