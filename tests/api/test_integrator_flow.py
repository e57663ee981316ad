"""The issue's check, through the API as a new integrator would: declare, draft for
several audiences, see the blame check fire, fail to self-approve, approve as an
approver, publish twice with one key and get one update, then read the public JSON and
the emails each audience received from a real SMTP server."""

from __future__ import annotations

import pytest

from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.outbox import expand_broadcast
from tests.api.helpers import error_of, facts

AUDIENCES = ["customers", "support", "engineering"]


@pytest.fixture
def smtp_app(app, smtp_sink):
    app.config.update(EMAIL_BACKEND="smtp", SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    return app


def test_an_integrator_drafts_gets_approval_publishes_once_and_each_audience_hears(
    smtp_app, client, api, world, make_user, make_subscriber, smtp_sink
):
    # Subscribers of three audiences, each hearing about every component.
    for audience in AUDIENCES:
        make_subscriber(f"{audience}@example.com", audience=audience)
    integration = api(make_user("admin", email="integration@example.com"))
    approver = api(world["approver"])

    # Declare: the public page lists the incident at once, with no text until the first
    # update is published.
    declared = integration.post(
        "/api/v1/incidents",
        json={
            "name": "Card payments failing",
            "impact": "major",
            "components": {world["api"].public_id: "partial_outage"},
            "visibility": "public",
        },
    )
    assert declared.status_code == 201, declared.get_json()
    incident = declared.get_json()
    assert incident["status"] == "investigating" and incident["incident_updates"] == []
    assert [c["status"] for c in incident["components"]] == ["partial_outage"]
    assert incident["body_visibility"] is None and incident["body_note"] is None
    [listed] = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert listed["id"] == incident["id"] and listed["incident_updates"] == []

    # Draft for three audiences from one fact sheet.
    drafted = integration.post(
        f"/api/v1/incidents/{incident['id']}/drafts",
        json={"status": "identified", "facts": facts(), "audiences": AUDIENCES},
    )
    assert drafted.status_code == 201, drafted.get_json()
    drafted = drafted.get_json()
    drafts = {d["audience"]: d for d in drafted["drafts"]}
    assert list(drafts) == AUDIENCES
    assert len({d["email_body"] for d in drafts.values()}) == 3  # a text per audience
    assert drafts["customers"]["needs_approval"] is True
    assert drafts["engineering"]["needs_approval"] is False
    assert {"audience": "customers", "who": "approver"}.items() <= next(
        w for w in drafted["waiting"] if w["who"] == "approver"
    ).items()
    customers = drafts["customers"]["id"]

    # A blaming text: the check fires, with its place in the text.
    blaming = "The outage was caused by human error in the payments team."
    edited = integration.patch(f"/api/v1/drafts/{customers}", json={"page_text": blaming})
    assert edited.status_code == 200
    blame = [f for f in edited.get_json()["findings"] if f["code"] == "blame"]
    assert blame and blame[0]["severity"] == "error" and blame[0]["field"] == "page_text"
    assert blaming[blame[0]["start"] : blame[0]["end"]].lower() == "human error"
    # ... which stops the approver.
    error = error_of(approver.post(f"/api/v1/drafts/{customers}/approve"), 409)
    assert error["code"] == "draft_has_errors"

    # Fixed text; its author cannot approve it.
    fixed = drafts["customers"]["page_text"] + "\n\nWe apologise for the disruption."
    edited = integration.patch(f"/api/v1/drafts/{customers}", json={"page_text": fixed})
    assert [f for f in edited.get_json()["findings"] if f["severity"] == "error"] == []
    error = error_of(integration.post(f"/api/v1/drafts/{customers}/approve", json={}), 403)
    assert error["code"] == "self_approval"
    assert "someone else has to approve" in error["message"]
    assert integration.get(f"/api/v1/drafts/{customers}").get_json()["state"] == "pending"

    # An approver approves.
    approved = approver.post(f"/api/v1/drafts/{customers}/approve", json={"comment": "Good."})
    assert approved.status_code == 200
    assert approved.get_json()["state"] == "approved"
    assert approved.get_json()["approved_by"] == world["approver"].email
    for draft in drafts.values():  # any warning left is published for a recorded reason
        for finding in integration.get(f"/api/v1/drafts/{draft['id']}").get_json()["findings"]:
            if not finding["overridden"]:
                integration.post(
                    f"/api/v1/drafts/{draft['id']}/override",
                    json={"finding": finding["key"], "reason": "Checked by the lead."},
                )

    # Publish twice with one key: one update, the same answer.
    key = {"Idempotency-Key": "deploy-7f3a"}
    url = f"/api/v1/incidents/{incident['id']}/publish"
    first = integration.post(url, json={"fact_sheet_id": drafted["fact_sheet_id"]}, headers=key)
    assert first.status_code == 201, first.get_json()
    again = integration.post(url, json={"fact_sheet_id": drafted["fact_sheet_id"]}, headers=key)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    published = first.get_json()
    assert published["update"]["status"] == "identified"
    assert published["update"]["body"] == fixed
    broadcasts = {b["audience"]: b for b in published["broadcasts"]}
    assert sorted(broadcasts) == sorted(AUDIENCES)
    assert {b["recipients"] for b in broadcasts.values()} == {1}
    updates = integration.get(f"/api/v1/incidents/{incident['id']}").get_json()
    assert len(updates["incident_updates"]) == 1
    # The engineering text as published: its "(N before this update)" counted to then.
    engineering = integration.get(f"/api/v1/drafts/{drafts['engineering']['id']}").get_json()
    assert updates["incident_updates"][0]["internal_body"] == engineering["page_text"]
    assert (
        engineering["page_text"].split("(")[0] == drafts["engineering"]["page_text"].split("(")[0]
    )

    # The public JSON shows the customers text.
    [public] = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert public["id"] == incident["id"]
    assert [u["body"] for u in public["incident_updates"]] == [fixed]

    # The outbox sends through the SMTP server: each audience gets its own text.
    for broadcast in broadcasts.values():
        expand_broadcast(int(broadcast["id"]))
    drain(channels_for(smtp_app, only="email")["email"])
    received = {m.recipients[0]: m.message for m in smtp_sink.messages}
    assert set(received) == {f"{a}@example.com" for a in AUDIENCES}
    for audience in AUDIENCES:
        message = received[f"{audience}@example.com"]
        assert message["Subject"] == drafts[audience]["email_subject"]
        body = message.get_body(("plain",)).get_content()
        assert drafts[audience]["email_body"].splitlines()[0] in body
    bodies = {m.get_body(("plain",)).get_content() for m in received.values()}
    assert len(bodies) == 3
    assert (
        "The card processor answers 502"
        in received["engineering@example.com"].get_body(("plain",)).get_content()
    )

    # Delivery progress and the communication log.
    progress = integration.get(f"/api/v1/broadcasts/{broadcasts['customers']['id']}").get_json()
    assert progress["sent"] == 1 and progress["remaining"] == 0 and progress["failed"] == 0
    log = integration.get(f"/api/v1/incidents/{incident['id']}/communications").get_json()
    assert log["time_to_first_public_update"] >= 0
    sent = {e["audience"]: e for e in log["entries"] if e["kind"] == "update"}
    assert {a: sent[a]["sent"] for a in AUDIENCES} == dict.fromkeys(AUDIENCES, 1)
    assert sent["customers"]["approved_by"] == world["approver"].email
    assert sent["customers"]["published_by"] == "integration@example.com"
