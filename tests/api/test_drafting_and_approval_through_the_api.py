"""POST /incidents/<id>/drafts, GET and PATCH /drafts/<id>, approve, reject, override:
a draft per audience with its checks, approval rules, and 400s that change nothing."""

from __future__ import annotations

import pytest

from tests.api.helpers import error_of, facts
from tests.snapshot import snapshot

DRAFT_FIELDS = {
    "id",
    "audience",
    "page_text",
    "email_subject",
    "email_body",
    "sms_text",
    "findings",
    "needs_approval",
    "state",
    "revision",
    "overrides",
}
FINDING_FIELDS = {"severity", "code", "message", "field", "start", "end"}


@pytest.fixture
def incident(world, api):
    response = api(world["lead"]).post(
        "/api/v1/incidents",
        json={
            "name": "Card payments failing",
            "impact": "major",
            "components": {world["api"].public_id: "partial_outage"},
        },
    )
    return response.get_json()["id"]


def compose(client, incident, **changes):
    body = {"status": "identified", "facts": facts(), "audiences": ["customers", "support"]}
    body.update(changes)
    return client.post(f"/api/v1/incidents/{incident}/drafts", json=body)


def test_one_fact_sheet_gives_a_checked_draft_per_audience(app, world, api, incident):
    response = compose(
        api(world["lead"]), incident, audiences=["engineering", "customers", "executives"]
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["fact_sheet_id"] and body["incident_id"] == incident
    drafts = body["drafts"]
    assert [d["audience"] for d in drafts] == ["customers", "engineering", "executives"]
    for draft in drafts:
        assert set(draft) >= DRAFT_FIELDS
        assert draft["state"] == "pending" and draft["author"] == world["lead"].email
        assert all(set(f) >= FINDING_FIELDS for f in draft["findings"])
    assert "Card payments are failing" in drafts[0]["page_text"]
    assert "502" in drafts[1]["email_body"]  # the technical detail, for engineers
    assert [(d["audience"], d["needs_approval"]) for d in drafts] == [
        ("customers", True),
        ("engineering", False),
        ("executives", False),
    ]
    assert [(w["audience"], w["who"]) for w in body["waiting"]] == [("customers", "approver")]
    incident_now = api(world["viewer"]).get(f"/api/v1/incidents/{incident}").get_json()
    [sheet] = incident_now["open_fact_sheets"]
    assert sheet["id"] == body["fact_sheet_id"] and len(sheet["drafts"]) == 3


def test_a_draft_is_read_back_by_its_id(app, world, api, incident):
    draft = compose(api(world["lead"]), incident).get_json()["drafts"][0]
    response = api(world["viewer"]).get(f"/api/v1/drafts/{draft['id']}")
    assert response.status_code == 200
    assert response.get_json()["page_text"] == draft["page_text"]
    assert response.get_json()["waiting"][0]["who"] == "approver"
    error_of(api(world["viewer"]).get("/api/v1/drafts/nope"), 404)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"status": "panicking"}, "status", "Status must be one of"),
        ({"impact": "huge"}, "impact", "Impact must be one of"),
        ({"audiences": []}, "audiences", "at least one audience"),
        ({"audiences": ["martians"]}, "audiences", "Cannot draft for martians"),
        ({"audiences": "customers"}, "audiences", "list of strings"),
        ({"audiences": ["support"]}, "audiences", "needs a customers text"),
        ({"facts": "it broke"}, "facts", "must be an object"),
        ({"facts": facts(summary="")}, "summary", "Say what is happening"),
        ({"facts": facts(cause="Bob")}, "facts.cause", "Unknown fact"),
        ({"facts": facts(summary=5)}, "facts.summary", "must be a string"),
        ({"facts": facts(next_update_at="2026-11-28T15:00")}, "facts.next_update_at", "offset"),
        ({"facts": facts(eta="soon")}, "facts.eta", "ISO 8601"),
        ({"components": {"nope": "major_outage"}}, "components", "No component"),
        ({"facts": None}, "facts", "required"),
    ],
)
def test_a_bad_fact_sheet_is_a_400_and_changes_nothing(
    app, world, api, incident, changes, field, words
):
    client = api(world["lead"])
    before = snapshot()
    error = error_of(compose(client, incident, **changes), 400)
    assert error["field"] == field and words in error["message"], error
    assert snapshot() == before


def test_drafting_for_an_unknown_incident_is_a_404(app, world, api):
    error_of(compose(api(world["lead"]), "nope"), 404)


def test_editing_a_draft_answers_fresh_findings(app, world, api, incident):
    lead = api(world["lead"])
    draft = compose(lead, incident).get_json()["drafts"][1]  # support
    text = "Customers may see errors. Probably a DNS problem, caused by human error."
    response = lead.patch(f"/api/v1/drafts/{draft['id']}", json={"page_text": text})
    assert response.status_code == 200
    edited = response.get_json()
    assert edited["page_text"] == text
    codes = {(f["code"], f["severity"]) for f in edited["findings"]}
    assert ("blame", "error") in codes and ("jargon", "warning") in codes
    assert edited["blocking"] >= 2
    response = lead.patch(f"/api/v1/drafts/{draft['id']}", json={"notify": False})
    assert response.get_json()["notify"] is False
    assert response.get_json()["page_text"] == text


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, None, "Nothing to change"),
        ({"body": "x"}, "body", "Unknown field"),
        ({"page_text": ["x"]}, "page_text", "must be a string"),
        ({"notify": "no"}, "notify", "true or false"),
        ({"page_text": "x" * 20_001}, "page_text", "at most"),
        ({"email_subject": "Payments down\nBcc: x"}, "email_subject", "one line"),
        ({"email_subject": "Payments\u0007down"}, "email_subject", "control character"),
    ],
)
def test_a_bad_edit_is_a_400_and_changes_nothing(app, world, api, incident, body, field, words):
    lead = api(world["lead"])
    draft = compose(lead, incident).get_json()["drafts"][0]
    before = snapshot()
    error = error_of(lead.patch(f"/api/v1/drafts/{draft['id']}", json=body), 400)
    assert error["field"] == field and words in error["message"]
    assert snapshot() == before


def test_an_approver_approves_and_an_edit_voids_the_approval(app, world, api, incident):
    lead, approver = api(world["lead"]), api(world["approver"])
    draft = compose(lead, incident).get_json()["drafts"][0]
    response = approver.post(f"/api/v1/drafts/{draft['id']}/approve", json={"comment": "OK"})
    assert response.status_code == 200
    approved = response.get_json()
    assert approved["state"] == "approved" and approved["approved_by"] == world["approver"].email
    assert approved["approved_at"].endswith("+00:00") and approved["waiting"] == []
    edited = lead.patch(f"/api/v1/drafts/{draft['id']}", json={"sms_text": "Card payments fail."})
    assert edited.get_json()["state"] == "pending"
    assert edited.get_json()["approved_by"] is None


def test_approving_with_the_revision_read_approves_exactly_that_text(app, world, api, incident):
    lead, approver = api(world["lead"]), api(world["approver"])
    draft = compose(lead, incident).get_json()["drafts"][0]
    url = f"/api/v1/drafts/{draft['id']}"
    read = approver.get(url).get_json()
    assert read["revision"] == draft["revision"] and len(read["revision"]) == 16
    # The author edits after the approver read it: approving what was read is refused.
    edited = lead.patch(url, json={"page_text": "We're sorry: every card payment fails."})
    assert edited.get_json()["revision"] != read["revision"]
    before = snapshot()
    error = error_of(approver.post(f"{url}/approve", json={"revision": read["revision"]}), 409)
    assert error["code"] == "draft_changed" and error["field"] == "revision"
    assert error["message"] == "This draft changed since you opened it; review it again."
    assert snapshot() == before
    # Read again and approved with the fresh revision.
    fresh = approver.get(url).get_json()["revision"]
    response = approver.post(f"{url}/approve", json={"revision": fresh, "comment": "Fine."})
    assert response.status_code == 200 and response.get_json()["state"] == "approved"
    assert response.get_json()["revision"] == fresh  # approving changes no text


def test_the_revision_follows_the_texts_and_the_audience_only(app, world, api, incident):
    lead = api(world["lead"])
    drafts = compose(lead, incident).get_json()["drafts"]
    assert drafts[0]["revision"] != drafts[1]["revision"]
    url = f"/api/v1/drafts/{drafts[0]['id']}"
    switched = lead.patch(url, json={"notify": False}).get_json()
    assert switched["revision"] == drafts[0]["revision"]
    for field in ("page_text", "email_subject", "email_body", "sms_text"):
        changed = lead.patch(url, json={field: drafts[0][field] + " Sorry."}).get_json()
        assert changed["revision"] != drafts[0]["revision"], field
        lead.patch(url, json={field: drafts[0][field]})
    assert api(world["viewer"]).get(url).get_json()["revision"] == drafts[0]["revision"]


def test_approving_without_a_revision_still_works(app, world, api, incident):
    lead, approver = api(world["lead"]), api(world["approver"])
    draft = compose(lead, incident).get_json()["drafts"][0]
    error = error_of(
        approver.post(f"/api/v1/drafts/{draft['id']}/approve", json={"revision": 7}), 400
    )
    assert error["field"] == "revision" and "must be a string" in error["message"]
    response = approver.post(f"/api/v1/drafts/{draft['id']}/approve", json={"revision": None})
    assert response.status_code == 200 and response.get_json()["state"] == "approved"


def test_nobody_approves_their_own_draft(app, world, api, make_user, incident):
    author = api(make_user("admin"))  # admins may both draft and approve
    draft = compose(author, incident).get_json()["drafts"][0]
    before = snapshot()
    error = error_of(author.post(f"/api/v1/drafts/{draft['id']}/approve"), 403)
    assert error["code"] == "self_approval" and error["field"] == "approver"
    assert "someone else has to approve it" in error["message"]
    assert snapshot() == before


def test_a_comms_lead_cannot_approve_at_all(app, world, api, incident):
    lead = api(world["lead"])
    draft = compose(lead, incident).get_json()["drafts"][0]
    error = error_of(lead.post(f"/api/v1/drafts/{draft['id']}/approve"), 403)
    assert error["code"] == "forbidden"


def test_a_draft_with_errors_cannot_be_approved(app, world, api, incident):
    lead, approver = api(world["lead"]), api(world["approver"])
    draft = compose(lead, incident).get_json()["drafts"][0]
    lead.patch(f"/api/v1/drafts/{draft['id']}", json={"page_text": "Our bad: human error."})
    error = error_of(approver.post(f"/api/v1/drafts/{draft['id']}/approve"), 409)
    assert (
        error["code"] == "draft_has_errors"
        and "to fix before it can be approved" in error["message"]
    )


def test_a_rejection_needs_a_comment_and_sends_the_draft_back(app, world, api, incident):
    lead, approver = api(world["lead"]), api(world["approver"])
    draft = compose(lead, incident).get_json()["drafts"][0]
    url = f"/api/v1/drafts/{draft['id']}/reject"
    assert error_of(approver.post(url, json={}), 400)["field"] == "comment"
    assert error_of(approver.post(url, json={"comment": "  "}), 400)["field"] == "comment"
    response = approver.post(url, json={"comment": "Say when the next update comes."})
    assert response.status_code == 200
    rejected = response.get_json()
    assert rejected["state"] == "rejected" and rejected["rejected_by"] == world["approver"].email
    assert rejected["review_comment"] == "Say when the next update comes."
    assert [w["who"] for w in rejected["waiting"]] == ["author"]


def test_a_warning_is_overridden_with_a_reason_an_error_is_not(app, world, api, incident):
    lead = api(world["lead"])
    draft = compose(lead, incident, facts=facts(next_update_at=None)).get_json()["drafts"][0]
    [warning] = [f for f in draft["findings"] if f["code"] == "no_next_update"]
    assert warning["severity"] == "warning" and warning["key"] == "no_next_update:facts:0"
    url = f"/api/v1/drafts/{draft['id']}/override"
    short = error_of(lead.post(url, json={"finding": warning["key"], "reason": "ok"}), 400)
    assert short["field"] == "reason"
    gone = error_of(
        lead.post(url, json={"finding": "blame:page_text:0", "reason": "Because."}), 400
    )
    assert gone["field"] == "finding"
    response = lead.post(url, json={"finding": warning["key"], "reason": "Fixing it now."})
    assert response.status_code == 200
    overridden = response.get_json()
    assert overridden["overrides"][warning["key"]]["reason"] == "Fixing it now."
    assert overridden["overrides"][warning["key"]]["by"] == world["lead"].email
    assert next(f for f in overridden["findings"] if f["key"] == warning["key"])["overridden"]
    lead.patch(f"/api/v1/drafts/{draft['id']}", json={"page_text": "We blame Bob: human error."})
    blame = next(
        f
        for f in lead.get(f"/api/v1/drafts/{draft['id']}").get_json()["findings"]
        if f["code"] == "blame"
    )
    error = error_of(lead.post(url, json={"finding": blame["key"], "reason": "Because."}), 400)
    assert "Errors cannot be overridden" in error["message"]
