"""An incident update that sets a component to the status it already has records no
change: the timeline never says "operational → operational"."""

from app.demo import seed_demo
from app.incidents.services import declare_incident, post_incident_update
from core.db import db


def test_an_update_setting_a_component_to_its_present_status_records_no_change(
    make_component,
):
    api, web = make_component("API"), make_component("Website")
    incident = declare_incident(
        None, "API errors", "minor", {api: "partial_outage", web: "operational"}, body="Looking."
    )
    update = post_incident_update(
        None,
        incident,
        "identified",
        "Found it.",
        {api: "partial_outage", web: "degraded_performance"},
    )
    db.session.commit()
    declared = incident.updates[0] if incident.updates[0] is not update else incident.updates[1]
    assert [
        (a["name"], a["old_status"], a["new_status"]) for a in declared.affected_components
    ] == [("API", "operational", "partial_outage")]
    assert [(a["name"], a["old_status"], a["new_status"]) for a in update.affected_components] == [
        ("Website", "operational", "degraded_performance")
    ]


def test_the_demo_api_timeline_lists_no_change_to_the_same_status(client):
    seed_demo()
    db.session.commit()
    incidents = client.get("/api/v2/incidents.json").get_json()["incidents"]
    changes = [
        (i["name"], a["name"], a["old_status"], a["new_status"])
        for i in incidents
        for u in i["incident_updates"]
        for a in u["affected_components"] or ()
    ]
    assert changes
    assert [c for c in changes if c[2] == c[3]] == []
