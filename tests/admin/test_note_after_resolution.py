"""A resolved incident's folded quick-update form: by default it adds a note that keeps
the incident resolved and tells nobody; choosing an open status reopens it."""

from __future__ import annotations

from sqlalchemy import func, select

from app.incidents.services import declare_incident, post_incident_update
from core.db import db
from subscribers.audiences import get_audience
from subscribers.models import Broadcast


def broadcasts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Broadcast))


def resolved_incident(api):
    """A critical public incident, declared and resolved without notices: a quick update
    that reopened it with "Notify subscribers" ticked would alert the executives."""
    incident = declare_incident(
        None,
        "API errors",
        "critical",
        {api: "major_outage"},
        body="Looking into it.",
        reviewed=True,
        deliver_notifications=False,
    )
    post_incident_update(
        None, incident, "resolved", "Fixed.", reviewed=True, deliver_notifications=False
    )
    # Customers need no approval: a quick note would go public and, if ticked, be sent.
    get_audience("customers").needs_approval = False
    db.session.commit()
    return incident


def test_a_note_on_a_resolved_incident_keeps_it_resolved_and_sends_nothing(
    responder, fill, text, client, api
):
    incident = resolved_incident(api)
    resolved_at = incident.resolved_at
    url = f"/admin/incidents/{incident.id}"
    page = responder.get(url).get_data(as_text=True)
    assert "<summary>Add a note, or reopen</summary>" in page
    assert "Resolved (add a note)" in page
    before = broadcasts()
    data = fill(responder, url, f"{url}/updates", body="The root cause was a full disk.")
    assert data["status"] == "resolved"
    assert "notify" not in data  # unticked by default
    response = responder.post(f"{url}/updates", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert incident.status == "resolved"
    assert incident.resolved_at == resolved_at
    assert api.status == "operational"
    assert [u.status for u in incident.updates] == ["resolved", "resolved", "investigating"]
    assert incident.updates[0].body == "The root cause was a full disk."
    assert broadcasts() == before  # no customer notice, no escalation, no team notice
    assert "The root cause was a full disk." in text(client.get(f"/incidents/{incident.public_id}"))
    assert client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"] == []


def test_choosing_investigating_on_the_folded_form_reopens_the_incident(responder, fill, api):
    incident = resolved_incident(api)
    url = f"/admin/incidents/{incident.id}"
    data = fill(
        responder, url, f"{url}/updates", status="investigating", body="It is back.", notify="y"
    )
    assert responder.post(f"{url}/updates", data=data).status_code == 302
    db.session.expire_all()
    assert incident.status == "investigating" and incident.resolved_at is None
    page = responder.get(url).get_data(as_text=True)
    assert "<h2>Quick update</h2>" in page and "Resolved (add a note)" not in page
