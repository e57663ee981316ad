"""An incident's postmortem through the API: the answer carries what the incident's page
shows (the text and its sections, when it was published, the incident's times,
components and timeline), its review, and what the checks find, as the admin's form
shows them."""

from __future__ import annotations

import pytest

from app.incidents.postmortems import approve_postmortem
from app.incidents.services import declare_incident, post_incident_update
from core.db import db
from tests.api.helpers import error_of
from tests.snapshot import snapshot

POSTMORTEM = """For 40 minutes the API answered errors to most requests.

## Contributing factors

- A configuration change drained every pool of servers.
- Health checks did not notice.

## What we are changing

- Changes roll out one zone at a time.
"""
BLAMING = "Human error by an engineer on the platform team caused it. Owner: [TBD]."


@pytest.fixture
def incident(world):
    found = declare_incident(
        None, "API errors", "major", {world["api"]: "partial_outage"}, body="Investigating."
    )
    db.session.commit()
    return found


@pytest.fixture
def resolved(incident):
    post_incident_update(None, incident, "resolved", "The API works again.", {}, reviewed=True)
    db.session.commit()
    return incident


def url(incident) -> str:
    return f"/api/v1/incidents/{incident.public_id}/postmortem"


def test_the_postmortem_answer_carries_what_the_page_shows(api, world, resolved):
    lead = api(world["lead"])
    assert lead.get(url(resolved)).get_json()["state"] == "none"
    sent = lead.send("PUT", url(resolved), json={"body": POSTMORTEM, "publish": True})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    answer = sent.get_json()
    # Customers' texts need approval: the lead's postmortem waits for an approver.
    assert answer["state"] == "waiting_for_approval"
    assert answer["pending_body"] == POSTMORTEM.strip()
    assert answer["published_at"] is None and answer["submitted_at"]
    approve_postmortem(world["approver"], resolved)
    db.session.commit()

    answer = api(world["viewer"]).get(url(resolved)).get_json()
    assert answer["state"] == "published" and answer["public"] is True
    assert answer["published_at"] and answer["resolved_at"] and answer["started_at"]
    assert answer["body"] == POSTMORTEM.strip()
    assert answer["author"] == world["lead"].email
    assert answer["approved_by"] == world["approver"].email
    assert [(s["heading"], s["level"]) for s in answer["sections"]] == [
        ("", 0),
        ("Contributing factors", 2),
        ("What we are changing", 2),
    ]
    assert answer["sections"][1]["text"].startswith("- A configuration change drained")
    assert [c["name"] for c in answer["components"]] == ["API"]
    assert [u["status"] for u in answer["timeline"]] == ["investigating", "resolved"]
    assert answer["timeline"][1]["body"] == "The API works again."
    assert answer["findings"] == []


def test_the_checks_the_updates_get_run_on_the_postmortem(api, world, resolved, staff):
    answer = api(world["lead"]).send("PUT", url(resolved), json={"body": BLAMING}).get_json()
    assert answer["state"] == "draft"
    found = {(f["code"], BLAMING[f["start"] : f["end"]]) for f in answer["findings"]}
    assert ("blame", "Human error") in found
    assert ("placeholder", "[TBD]") in found
    assert all("the postmortem" in f["message"] for f in answer["findings"])
    # The admin's form shows the same findings under the text.
    page = staff(world["lead"]).get(f"/admin/incidents/{resolved.id}").get_data(as_text=True)
    section = page.split('id="postmortem-findings"', 1)[1].split("</section>", 1)[0]
    assert section.count("<li") == len(answer["findings"])
    assert "Blame in the postmortem: \u201cHuman error\u201d" in section
    assert "An unfilled placeholder in the postmortem: \u201c[TBD]\u201d" in section


def test_bad_postmortem_requests_change_nothing(api, world, incident, resolved):
    lead, viewer = api(world["lead"]), api(world["viewer"])
    before = snapshot()
    for body, field in (
        ({"body": 5}, "body"),
        ({"body": "Text", "publish": "yes"}, "publish"),
        ({"body": "Text", "owner": "me"}, None),
        ({"publish": True}, "body"),
        ({"body": "  ", "publish": True}, "body"),
    ):
        error = error_of(lead.send("PUT", url(resolved), json=body), 400)
        if field:
            assert error["field"] == field, error
    assert error_of(viewer.send("PUT", url(resolved), json={"body": "x"}), 403)
    assert snapshot() == before


def test_an_open_incident_has_no_postmortem_to_write(api, world, incident):
    lead = api(world["lead"])
    before = snapshot()
    error = error_of(lead.send("PUT", url(incident), json={"body": "Text"}), 400)
    assert "Resolve the incident" in error["message"]
    assert snapshot() == before


def test_the_body_is_what_the_page_shows_and_the_pending_text_is_apart(api, world, resolved):
    """Found by a new user: ``body`` held the unapproved text while ``public`` was false."""
    lead = api(world["lead"])
    answer = lead.send("PUT", url(resolved), json={"body": "First words."}).get_json()
    assert answer["state"] == "draft"
    assert answer["body"] is None and answer["sections"] == []
    assert answer["pending_body"] == "First words."
    answer = lead.send("PUT", url(resolved), json={"body": POSTMORTEM, "publish": True})
    answer = answer.get_json()
    assert answer["state"] == "waiting_for_approval" and answer["public"] is False
    assert answer["body"] is None and answer["sections"] == []
    assert answer["pending_body"] == POSTMORTEM.strip()

    answer = api(world["approver"]).send("POST", url(resolved) + "/approve").get_json()
    assert answer["state"] == "published" and answer["public"] is True
    assert answer["body"] == POSTMORTEM.strip() and answer["pending_body"] is None
    # An edit waits for approval; the approved text stays the body, as on the page.
    answer = lead.send("PUT", url(resolved), json={"body": "Edited.", "publish": True})
    answer = answer.get_json()
    assert answer["body"] == POSTMORTEM.strip() and answer["pending_body"] == "Edited."


def test_an_approver_cannot_approve_a_postmortem_with_errors_through_the_api(
    api, world, resolved, client
):
    lead, approver = api(world["lead"]), api(world["approver"])
    written = lead.send("PUT", url(resolved), json={"body": BLAMING, "publish": True})
    assert written.get_json()["state"] == "waiting_for_approval"
    answer = approver.get(url(resolved)).get_json()
    assert {f["severity"] for f in answer["findings"]} == {"error"}
    before = snapshot()
    error = error_of(approver.send("POST", url(resolved) + "/approve"), 409)
    assert error["code"] == "postmortem_has_errors" and error["field"] == "findings"
    assert "errors to fix before it can be approved" in error["message"]
    assert "Blame in the postmortem" in error["message"]
    assert snapshot() == before

    lead.send("PUT", url(resolved), json={"body": POSTMORTEM, "publish": True})
    answer = approver.send("POST", url(resolved) + "/approve")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["state"] == "published"


def test_bad_postmortem_approvals_change_nothing(api, world, resolved):
    lead, approver, viewer = api(world["lead"]), api(world["approver"]), api(world["viewer"])
    before = snapshot()
    error = error_of(approver.send("POST", url(resolved) + "/approve"), 400)
    assert "not waiting for approval" in error["message"]
    assert snapshot() == before
    lead.send("PUT", url(resolved), json={"body": POSTMORTEM, "publish": True})
    before = snapshot()
    assert error_of(lead.send("POST", url(resolved) + "/approve"), 403)
    assert error_of(viewer.send("POST", url(resolved) + "/approve"), 403)
    error = error_of(approver.send("POST", url(resolved) + "/approve", json={"x": 1}), 400)
    assert error["field"] == "x"
    assert snapshot() == before
