"""Declaring, updating, resolving, editing and deleting incidents through the admin forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import (
    AuditEvent,
    Incident,
    IncidentComponent,
    IncidentUpdate,
    StatusInterval,
    User,
    utcnow,
)
from app.status.components import set_component_status
from core.db import db
from tests.admin.incidentkit import (
    client_internal,
    count,
    declare,
    local_input,
    open_incident,
)


def test_declaring_an_incident_sets_its_components_and_shows_in_the_public_json(
    responder, fill, text, client, api, database
):
    """Customers need approval (the default): the incident and its components show on
    the public page and JSON at once; the responder's message only on the internal page."""
    response = declare(
        responder,
        fill,
        name="API errors",
        impact="major",
        body="Requests to the API **fail**.",
        **{f"component-{api.id}": "major_outage", f"component-{database.id}": "partial_outage"},
    )
    incident = db.session.scalar(select(Incident))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/incidents/{incident.id}"
    assert (incident.name, incident.impact, incident.status) == (
        "API errors",
        "major",
        "investigating",
    )
    assert db.session.get(User, incident.created_by_id).email == "rafael@example.com"
    assert {(link.component.name, link.status) for link in incident.affected} == {
        ("API", "major_outage"),
        ("Database", "partial_outage"),
    }
    assert (api.status, database.status) == ("major_outage", "partial_outage")
    [update] = incident.updates
    assert (update.status, update.body, update.internal_body) == (
        "investigating",
        "",
        "Requests to the API **fail**.",
    )
    assert incident.announced_at is None  # no public text yet

    page = text(responder.get(f"/admin/incidents/{incident.id}"))
    assert (
        "Declared API errors. Customers need approval: this message goes to the internal "
        "page; use the composer for the public text." in page
    )
    assert "<strong>fail</strong>" in page and "internal only" in page
    internal = text(responder.get(f"/internal/incidents/{incident.public_id}"))
    assert "<strong>fail</strong>" in internal

    unresolved = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert [(i["name"], i["status"], i["impact"]) for i in unresolved] == [
        ("API errors", "investigating", "major")
    ]
    assert unresolved[0]["incident_updates"] == []
    public = text(client.get(f"/incidents/{incident.public_id}"))
    assert "fail" not in public
    assert "We are looking into this. Updates will be posted here." in public
    statuses = {
        c["name"]: c["status"]
        for c in client.get("/api/v2/components.json").get_json()["components"]
    }
    assert (statuses["API"], statuses["Database"]) == ("major_outage", "partial_outage")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.declare"))
    assert (event.actor, event.target_id) == ("rafael@example.com", incident.id)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"name": ""}, 400, "Incident name: This field is required."),
        ({"impact": "apocalyptic"}, 400, "Impact: Not a valid choice."),
        ({"status": "resolved"}, 400, "Status: Not a valid choice."),
        ({"component-API": "on_fire"}, 400, "'on_fire' is not a component status."),
        ({"started_at": "+2h"}, 400, "That time is in the future"),
        ({"started_at": "yesterday"}, 400, "Not a valid datetime value."),
    ],
    ids=["no name", "impact", "resolved", "component status", "future", "bad time"],
)
def test_a_bad_declaration_is_refused_with_a_message_and_changes_nothing(
    app, responder, fill, text, api, fields, status, message
):
    fields = dict(fields)
    if "component-API" in fields:
        fields[f"component-{api.id}"] = fields.pop("component-API")
    if fields.get("started_at") == "+2h":
        fields["started_at"] = local_input(app, utcnow() + timedelta(hours=2))
    events = count(AuditEvent)
    response = declare(responder, fill, **{"name": "API errors", "body": "Looking.", **fields})
    assert response.status_code == status
    assert message in text(response)
    assert count(Incident) == 0
    assert count(AuditEvent) == events
    assert api.status == "operational"


def test_an_update_moves_the_incident_on_and_its_message_stays_internal(
    responder, fill, text, client, api, database
):
    """Customers need approval: status and components change on every page at once; the
    message is the update's internal text."""
    incident = open_incident("API errors", {api: "major_outage"})
    url = f"/admin/incidents/{incident.id}"
    action = f"{url}/updates"
    data = fill(
        responder,
        url,
        action,
        status="identified",
        body="A bad deploy; rolling back.",
        **{
            f"component-{api.id}": "partial_outage",
            f"component-{database.id}": "degraded_performance",
        },
    )
    assert data[f"component-{api.id}"] == "partial_outage"
    response = responder.post(action, data=data)
    assert response.status_code == 302
    assert (incident.status, incident.identified_at is not None) == ("identified", True)
    assert (api.status, database.status) == ("partial_outage", "degraded_performance")
    assert [u.status for u in incident.updates] == ["identified", "investigating"]
    latest = incident.updates[0]
    assert {a["name"]: (a["old_status"], a["new_status"]) for a in latest.affected_components} == {
        "API": ("major_outage", "partial_outage"),
        "Database": ("operational", "degraded_performance"),
    }
    assert (latest.body, latest.internal_body) == ("", "A bad deploy; rolling back.")
    page = text(responder.get(response.headers["Location"]))
    assert "Update posted. Customers need approval: this message goes to the internal page" in page
    public = text(client.get(f"/incidents/{incident.public_id}"))
    assert "A bad deploy" not in public
    assert "Identified" in public and "Looking into it." in public
    assert "A bad deploy; rolling back." in text(client_internal(responder, incident))


def test_an_update_without_a_message_is_refused_and_changes_nothing(responder, text, api):
    incident = open_incident("API errors", {api: "major_outage"})
    response = responder.post(
        f"/admin/incidents/{incident.id}/updates",
        data={"status": "monitoring", "body": " ", f"component-{api.id}": "operational"},
    )
    assert response.status_code == 400
    assert "Message (Markdown): This field is required." in text(response)
    assert (incident.status, api.status) == ("investigating", "major_outage")
    assert count(IncidentUpdate) == 1


def resolve_form(client, fill, incident, **changes):
    return fill(client, f"/admin/incidents/{incident.id}/resolve", **changes)


def test_the_resolve_page_asks_per_component_and_restores_them_to_operational(
    responder, fill, text, client, api, database
):
    incident = open_incident("API errors", {api: "major_outage", database: "partial_outage"})
    page = text(responder.get(f"/admin/incidents/{incident.id}/resolve"))
    assert "Confirm each affected component is restored" in page
    data = resolve_form(responder, fill, incident)
    assert data[f"component-{api.id}"] == data[f"component-{database.id}"] == "operational"

    response = responder.post(f"/admin/incidents/{incident.id}/resolve", data=data)
    assert response.status_code == 302
    assert (incident.status, incident.resolved_at is not None) == ("resolved", True)
    assert (api.status, database.status) == ("operational", "operational")
    # Customers need approval: the resolve message is the internal text.
    assert incident.updates[0].internal_body == "This incident has been resolved."
    assert incident.updates[0].body == ""
    assert client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"] == []
    assert "Resolved API errors. Customers need approval" in text(
        responder.get(f"/admin/incidents/{incident.id}")
    )


def test_a_status_chosen_on_the_resolve_page_is_kept(responder, fill, api, database):
    incident = open_incident("API errors", {api: "major_outage", database: "partial_outage"})
    data = resolve_form(
        responder, fill, incident, **{f"component-{database.id}": "degraded_performance"}
    )
    responder.post(f"/admin/incidents/{incident.id}/resolve", data=data)
    assert incident.status == "resolved"
    assert (api.status, database.status) == ("operational", "degraded_performance")


def test_resolving_keeps_a_component_that_another_open_incident_holds(
    responder, fill, text, api, database
):
    outage = open_incident("Database outage", {database: "major_outage"})
    incident = open_incident("API errors", {api: "partial_outage", database: "partial_outage"})
    page = text(responder.get(f"/admin/incidents/{incident.id}/resolve"))
    assert "Another open incident still gives it major outage." in page
    data = resolve_form(responder, fill, incident)
    assert data[f"component-{database.id}"] == "major_outage"
    assert data[f"component-{api.id}"] == "operational"

    responder.post(f"/admin/incidents/{incident.id}/resolve", data=data)
    assert (incident.status, outage.status) == ("resolved", "investigating")
    assert (api.status, database.status) == ("operational", "major_outage")


def test_resolving_without_a_choice_for_a_component_is_refused(responder, text, api):
    incident = open_incident("API errors", {api: "major_outage"})
    response = responder.post(
        f"/admin/incidents/{incident.id}/resolve", data={"body": "Fixed.", "notify": "y"}
    )
    assert response.status_code == 400
    assert "Choose a status for API." in text(response)
    assert (incident.status, api.status) == ("investigating", "major_outage")


def test_a_past_start_time_backfills_the_incident_and_the_component_history(
    app, responder, fill, make_component
):
    created = utcnow() - timedelta(days=2)
    api = make_component("API", at=created)
    started = (utcnow() - timedelta(hours=3)).replace(second=0, microsecond=0)
    response = declare(
        responder,
        fill,
        name="Slow API overnight",
        body="The API was slow.",
        started_at=local_input(app, started),
        **{f"component-{api.id}": "degraded_performance"},
    )
    assert response.status_code == 302
    incident = db.session.scalar(select(Incident))
    assert incident.started_at == started
    assert incident.updates[0].display_at == started
    intervals = db.session.scalars(
        select(StatusInterval)
        .where(StatusInterval.component_id == api.id)
        .order_by(StatusInterval.started_at)
    ).all()
    assert [(i.status, i.started_at, i.ended_at) for i in intervals] == [
        ("operational", created, started),
        ("degraded_performance", started, None),
    ]
    assert api.status_changed_at == started


def test_a_postmortem_is_written_after_resolution_and_public_only_once_approved(
    responder, fill, text, client, api, make_user, staff
):
    incident = open_incident("API errors", {api: "major_outage"})
    url = f"/admin/incidents/{incident.id}"
    assert "Postmortem (Markdown)" not in text(responder.get(url))
    response = responder.post(
        f"{url}/postmortem", data={"postmortem-body": "Too early.", "postmortem-publish": "y"}
    )
    assert response.status_code == 400
    assert "Resolve the incident before writing its postmortem." in text(response)
    assert (incident.postmortem_body, incident.postmortem_published_at) == ("", None)

    responder.post(f"{url}/resolve", data=resolve_form(responder, fill, incident))
    data = fill(
        responder, url, f"{url}/postmortem", **{"postmortem-body": "## Root cause\nA bad deploy."}
    )
    assert "postmortem-publish" not in data
    responder.post(f"{url}/postmortem", data=data)
    assert incident.postmortem_body == "## Root cause\nA bad deploy."
    assert incident.postmortem_published_at is None
    public_url = f"/incidents/{incident.public_id}"
    assert "Root cause" not in text(client.get(public_url))

    data = fill(responder, url, f"{url}/postmortem", **{"postmortem-publish": "y"})
    assert data["postmortem-body"] == "## Root cause\nA bad deploy."  # the draft is shown again
    response = responder.post(f"{url}/postmortem", data=data, follow_redirects=True)
    # Customers' texts need approval: the responder's postmortem waits for an approver.
    assert "Postmortem sent for approval" in text(response)
    assert incident.postmortem_published_at is None
    assert "Root cause" not in text(client.get(public_url))
    assert responder.post(f"{url}/postmortem/approve").status_code == 403

    approver = staff(make_user("approver"))
    page = text(approver.get(url))
    assert "waiting for approval" in page and "Approve and publish the postmortem" in page
    response = approver.post(f"{url}/postmortem/approve", follow_redirects=True)
    assert "Approved: the postmortem is public." in text(response)
    assert incident.postmortem_published_at is not None
    public = text(client.get(public_url))
    assert "Postmortem" in public
    assert "<h4>Root cause</h4>" in public


def test_an_empty_postmortem_cannot_be_published(responder, fill, text, api):
    incident = open_incident("API errors", {api: "major_outage"})
    url = f"/admin/incidents/{incident.id}"
    responder.post(f"{url}/resolve", data=resolve_form(responder, fill, incident))
    response = responder.post(
        f"{url}/postmortem", data={"postmortem-body": "", "postmortem-publish": "y"}
    )
    assert response.status_code == 400
    assert "An empty postmortem cannot be published." in text(response)
    assert incident.postmortem_published_at is None


def test_editing_an_incident_changes_its_details_and_visibility(responder, fill, text, client, api):
    incident = open_incident("API errors", {api: "major_outage"})
    url = f"/admin/incidents/{incident.id}"
    public_url = f"/incidents/{incident.public_id}"
    assert client.get(public_url).status_code == 200
    data = fill(
        responder, url, f"{url}/edit", name="API outage", impact="critical", visibility="internal"
    )
    response = responder.post(f"{url}/edit", data=data, follow_redirects=True)
    assert "Incident details saved." in text(response)
    assert (incident.name, incident.impact, incident.visibility) == (
        "API outage",
        "critical",
        "internal",
    )
    assert client.get(public_url).status_code == 404
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.edit"))
    assert event.changes["name"] == ["API errors", "API outage"]


def test_an_incident_cannot_lose_its_name(responder, fill, text, api):
    incident = open_incident("API errors", {api: "major_outage"})
    url = f"/admin/incidents/{incident.id}"
    response = responder.post(f"{url}/edit", data=fill(responder, url, f"{url}/edit", name=""))
    assert response.status_code == 400
    assert "Incident name: This field is required." in text(response)
    assert incident.name == "API errors"


def test_only_an_admin_deletes_an_incident_and_statuses_stay_as_they_are(
    make_user, staff, responder, text, api
):
    incident = open_incident("Declared by mistake", {api: "partial_outage"})
    incident_id = incident.id
    assert responder.post(f"/admin/incidents/{incident_id}/delete").status_code == 403
    assert db.session.get(Incident, incident_id) is not None

    admin = staff(make_user("admin", email="ada@example.com"))
    response = admin.post(f"/admin/incidents/{incident_id}/delete", follow_redirects=True)
    assert "Deleted Declared by mistake." in text(response)
    assert db.session.get(Incident, incident_id) is None
    assert (count(IncidentUpdate), count(IncidentComponent)) == (0, 0)
    assert api.status == "partial_outage"
    log = text(admin.get("/admin/audit?target=incident"))
    assert "Deleted incident Declared by mistake" in log
    assert "ada@example.com" in log


def test_a_declaration_without_the_csrf_token_is_refused_and_changes_nothing(responder, text, api):
    response = responder.client.post(
        "/admin/incidents/new",
        data={"name": "API errors", "body": "x", f"component-{api.id}": "major_outage"},
    )
    assert response.status_code == 400
    assert "Nothing was changed" in text(response)
    assert (count(Incident), api.status) == (0, "operational")


def test_the_audit_log_shows_who_declared_updated_and_resolved(
    make_user, staff, responder, fill, text, api
):
    fields = {"name": "API errors", "body": "Looking.", f"component-{api.id}": "major_outage"}
    declare(responder, fill, **fields)
    incident = db.session.scalar(select(Incident))
    url = f"/admin/incidents/{incident.id}"
    responder.post(
        f"{url}/updates",
        data=fill(responder, url, f"{url}/updates", status="monitoring", body="Fix out."),
    )
    responder.post(f"{url}/resolve", data=resolve_form(responder, fill, incident))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "incident").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor, e.action, e.changes.get("status")) for e in events] == [
        ("rafael@example.com", "incident.declare", None),
        ("rafael@example.com", "incident.update", ["investigating", "monitoring"]),
        ("rafael@example.com", "incident.update", ["monitoring", "resolved"]),
    ]
    log = text(staff(make_user("admin")).get("/admin/audit"))
    assert "API errors: Investigating → Monitoring" in log
    assert "API errors: Monitoring → Resolved" in log
    assert "API: Operational → Major outage (incident: API errors)" in log


def test_a_resolved_incident_offers_no_next_update_and_its_timeline_names_only_changes(
    responder, fill, text, api, database, make_user, staff
):
    lead = staff(make_user("comms_lead", email="lena@example.com"))
    incident = open_incident("API errors", {api: "major_outage", database: "degraded_performance"})
    # The database recovered before the incident was resolved: resolving names it at the
    # status it already has, which the timeline does not show as a change.
    set_component_status(None, database, "operational")
    db.session.commit()
    data = resolve_form(responder, fill, incident)
    responder.post(f"/admin/incidents/{incident.id}/resolve", data=data)
    # Nor does the record: only the API's change is written.
    assert [a["name"] for a in incident.updates[0].affected_components] == ["API"]
    page = lead.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert "Write the next update" not in page
    assert "This incident is resolved: no further update is due." in page
    assert "Add a note, or reopen" in page
    assert "Major outage → Operational" in page
    assert "Operational → Operational" not in page
    # While it is open, both are offered.
    other = open_incident("Slow database", {database: "degraded_performance"})
    open_page = lead.get(f"/admin/incidents/{other.id}").get_data(as_text=True)
    assert "Write the next update" in open_page
    assert "<h2>Quick update</h2>" in open_page
    assert "Add a note, or reopen" not in open_page
