"""Before its first public text, a public incident's page and JSON say when it started and
when the next update is due, not only "We are looking into this"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.incidents.services import declare_incident, post_incident_update
from app.status.entries import format_time
from app.timeutil import page_zone
from core.db import db


def test_the_incident_page_and_json_show_the_start_and_the_next_update_time(
    app, audiences, make_component, client
):
    api = make_component("API")
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    incident = declare_incident(
        None, "API errors", "major", {api: "major_outage"}, started_at=started
    )
    db.session.commit()
    due = incident.next_update_due_at
    assert due is not None  # the cadence: an hour at major impact
    started_text, due_text = format_time(started, page_zone()), format_time(due, page_zone())
    for url in (f"/incidents/{incident.public_id}", "/"):
        page = client.get(url).get_data(as_text=True)
        assert "We are looking into this. Updates will be posted here." in page
        line = page.split("We are looking into this.", 1)[1].split("</p>", 2)[1]
        assert "Started <time" in line and started_text in line
        assert "next update by <time" in line and due_text in line
    [listed] = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert listed["started_at"].startswith(started.astimezone(page_zone()).isoformat()[:16])
    assert datetime.fromisoformat(listed["next_update_at"]) == due


def test_without_a_promised_time_the_page_shows_the_start_alone(
    app, audiences, make_component, client
):
    api = make_component("API")
    incident = declare_incident(
        None, "API errors", "major", {api: "major_outage"}, deliver_notifications=False
    )
    db.session.commit()
    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    line = page.split("We are looking into this.", 1)[1].split("</p>", 2)[1]
    assert "Started <time" in line and "next update" not in line
    [listed] = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert listed["next_update_at"] is None


def test_a_resolved_incident_promises_no_next_update(app, audiences, make_component, client):
    api = make_component("API")
    incident = declare_incident(None, "API errors", "major", {api: "major_outage"})
    post_incident_update(None, incident, "resolved", "Fixed.")
    db.session.commit()
    [listed] = client.get("/api/v2/incidents.json").get_json()["incidents"]
    assert listed["next_update_at"] is None
    assert "next update by" not in client.get(f"/incidents/{incident.public_id}").get_data(
        as_text=True
    )
