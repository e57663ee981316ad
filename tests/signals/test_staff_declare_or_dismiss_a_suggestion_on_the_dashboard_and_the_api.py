"""The dashboard lists open suggested incidents (origin, name, components and claimed
statuses, facts as escaped text, the source link with rel=noopener, age) with one-click
Declare and Dismiss buttons for those who may declare incidents; the API lists, declares
and dismisses them. Unknown ids are 404, a missing CSRF token or a bad body 400, a role
without the permission 403, and a second declaration leads to the same incident."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.api.tokens import create_token
from app.models import Incident, SuggestedIncident
from core.db import db
from tests.api.helpers import ApiClient, error_of
from tests.comms.worldkit import build_world
from tests.signals.suggestion_world import vendor_suggestion


@pytest.fixture
def world(app, audiences):
    return build_world()


@pytest.fixture
def api(app):
    """``api(user)``: a client with a new token of ``user``; ``api(None)``: no token."""

    def make(user=None) -> ApiClient:
        plain = None
        if user is not None:
            _, plain = create_token(user, "test")
            db.session.commit()
        return ApiClient(app.test_client(), plain)

    return make


@pytest.fixture
def suggestion(world):
    return vendor_suggestion(
        world, link="javascript:alert(1)", key="vendor:js", name="Acme <script>x</script>"
    )


def test_the_dashboard_shows_the_suggestion_as_text(world, suggestion, staff, make_user):
    good = vendor_suggestion(world)
    page = staff(make_user("responder")).get("/admin/").get_data(as_text=True)
    assert "Suggested incidents" in page
    assert "Acme &lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "&lt;b&gt;elevated&lt;/b&gt;" in page
    assert "Card payments: Partial outage" in page
    assert 'href="https://status.stripe.example/incidents/abc123" rel="noopener' in page
    assert "javascript:alert" not in page
    assert f"/admin/suggested-incidents/{good.public_id}/declare" in page
    viewer_page = staff(make_user("viewer")).get("/admin/").get_data(as_text=True)
    assert "Suggested incidents" in viewer_page and "/declare" not in viewer_page


def test_one_click_declares_and_says_nothing_was_published(world, suggestion, staff, make_user):
    client = staff(make_user("responder"))
    url = f"/admin/suggested-incidents/{suggestion.public_id}/declare"
    response = client.post(url)
    assert response.status_code == 302
    incident = db.session.scalar(select(Incident))
    assert response.headers["Location"].endswith(f"/admin/incidents/{incident.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "as an internal incident: the public page does not list the incident" in page
    assert incident.visibility == "internal"
    again = client.post(url)
    assert again.headers["Location"].endswith(f"/admin/incidents/{incident.id}")
    assert db.session.query(Incident).count() == 1


def test_bad_posts_change_nothing(world, suggestion, staff, make_user, client):
    responder = staff(make_user("responder"))
    url = f"/admin/suggested-incidents/{suggestion.public_id}"
    assert responder.post("/admin/suggested-incidents/nosuchid/declare").status_code == 404
    assert responder.post("/admin/suggested-incidents/nosuchid/dismiss").status_code == 404
    assert responder.post(f"{url}/declare", data={"csrf_token": ""}).status_code == 400
    assert responder.post(f"{url}/dismiss", data={"csrf_token": ""}).status_code == 400
    too_long = responder.post(f"{url}/dismiss", data={"reason": "x" * 501})
    assert too_long.status_code == 400
    assert staff(make_user("viewer")).post(f"{url}/declare").status_code == 403
    assert staff(make_user("approver")).post(f"{url}/dismiss").status_code == 403
    assert client.post(f"{url}/declare").status_code in (302, 400)  # signed out
    db.session.expire_all()
    assert suggestion.state == "open" and db.session.query(Incident).count() == 0


def test_dismiss_then_declare_is_refused(world, suggestion, staff, make_user):
    client = staff(make_user("comms_lead"))
    url = f"/admin/suggested-incidents/{suggestion.public_id}"
    assert client.post(f"{url}/dismiss", data={"reason": "test mode"}).status_code == 302
    db.session.expire_all()
    assert suggestion.state == "dismissed"
    assert client.post(f"{url}/declare").status_code == 409
    assert "Acme" not in client.get("/admin/").get_data(as_text=True)


def test_the_api_lists_declares_and_dismisses(world, suggestion, api, make_user):
    responder, viewer = api(make_user("responder")), api(make_user("viewer"))
    listed = viewer.get("/api/v1/suggested-incidents").get_json()["suggested_incidents"]
    assert [s["id"] for s in listed] == [suggestion.public_id]
    assert listed[0]["components"][0]["status"] == "partial_outage"
    error_of(viewer.get("/api/v1/suggested-incidents?state=maybe"), 400)
    error_of(viewer.post(f"/api/v1/suggested-incidents/{suggestion.public_id}/declare"), 403)
    error_of(api(None).get("/api/v1/suggested-incidents"), 401)
    error_of(responder.post("/api/v1/suggested-incidents/nosuchid/declare"), 404)
    error_of(
        responder.post(
            f"/api/v1/suggested-incidents/{suggestion.public_id}/declare", json={"x": 1}
        ),
        400,
    )
    first = responder.post(f"/api/v1/suggested-incidents/{suggestion.public_id}/declare")
    assert first.status_code == 201, first.get_data(as_text=True)
    body = first.get_json()
    assert "internal incident; nothing has been published" in body["note"]
    assert body["incident"]["visibility"] == "internal"
    assert body["suggested_incident"]["state"] == "declared"
    assert body["incident"]["incident_updates"] == []
    again = responder.post(f"/api/v1/suggested-incidents/{suggestion.public_id}/declare")
    assert again.status_code == 200 and again.get_json()["incident"]["id"] == body["incident"]["id"]
    error_of(
        responder.post(
            f"/api/v1/suggested-incidents/{suggestion.public_id}/dismiss", json={"reason": "x"}
        ),
        409,
    )


def test_the_api_dismisses_with_a_reason(world, suggestion, api, make_user):
    responder = api(make_user("responder"))
    url = f"/api/v1/suggested-incidents/{suggestion.public_id}/dismiss"
    error_of(responder.post(url, json={"reason": 5}), 400)
    error_of(responder.post(url, json={"reason": "x" * 501}), 400)
    error_of(responder.post(url, json={"why": "x"}), 400)
    response = responder.post(url, json={"reason": "Stripe test mode"})
    assert response.status_code == 200 and response.get_json()["state"] == "dismissed"
    assert db.session.scalar(select(SuggestedIncident.state)) == "dismissed"
    listed = responder.get("/api/v1/suggested-incidents?state=dismissed").get_json()
    assert listed["suggested_incidents"][0]["decided_by"].startswith("responder")
    assert listed["suggested_incidents"][0]["dismissed_reason"] == "Stripe test mode"
