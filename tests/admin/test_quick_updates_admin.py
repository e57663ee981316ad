"""Quick updates from the admin: where a message written outside the workflow goes."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Incident
from core.db import db
from tests.admin.incidentkit import (
    client_internal,
    declare,
    open_incident,
)


def test_declaring_without_a_message_leads_to_the_composer_and_is_listed_publicly_at_once(
    staff, make_user, make_component, client, fill, text
):
    from app.models import Incident

    api = make_component("Checkout API")
    lead = staff(make_user("comms_lead"))
    data = fill(
        lead,
        "/admin/incidents/new",
        name="Checkout errors",
        impact="major",
        body="",
        **{f"component-{api.id}": "partial_outage"},
    )
    response = lead.post("/admin/incidents/new", data=data)
    incident = db.session.scalar(select(Incident))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/incidents/{incident.id}/compose")
    assert incident.updates == [] and incident.announced_at is None
    page = client.get("/").get_data(as_text=True)
    assert "Checkout errors" in page and "Partial outage" in page
    assert "We are looking into this. Updates will be posted here." in page
    assert "It is listed on the public page" in text(lead.get(response.headers["Location"]))


def customer_notices() -> list:
    from subscribers.models import Broadcast

    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Broadcast)
            .where(Broadcast.source.like("incident_update:%"))
            .order_by(Broadcast.id)
        )
    )


def test_a_quick_update_while_customers_need_approval_reaches_no_customer(
    responder, fill, text, client, api
):
    incident = open_incident("API errors", {api: "major_outage"})
    url = f"/admin/incidents/{incident.id}"
    page = text(responder.get(url))
    assert (
        "Customers need approval: this message goes to the internal page; use the composer "
        "for the public text." in page
    )
    before = len(customer_notices())
    data = fill(responder, url, f"{url}/updates", status="identified", body="Disk full on db-7.")
    assert responder.post(f"{url}/updates", data=data).status_code == 302
    assert len(customer_notices()) == before
    assert incident.status == "identified" and incident.updates[0].body == ""
    for path in (
        "/",
        f"/incidents/{incident.public_id}",
        "/api/v2/summary.json",
        "/api/v2/incidents.json",
    ):
        assert "db-7" not in client.get(path).get_data(as_text=True), path
    assert "Identified" in text(client.get(f"/incidents/{incident.public_id}"))
    assert "Disk full on db-7." in text(client_internal(responder, incident))


def test_with_customers_approval_switched_off_a_quick_update_goes_public_and_to_customers(
    responder, fill, text, client, api
):
    from subscribers.audiences import get_audience

    get_audience("customers").needs_approval = False
    db.session.commit()
    page = text(responder.get("/admin/incidents/new"))
    assert "Customers need no approval: this message is published on the public page" in page
    response = declare(
        responder,
        fill,
        name="API errors",
        impact="major",
        body="Requests to the API fail.",
        **{f"component-{api.id}": "major_outage"},
    )
    incident = db.session.scalar(select(Incident))
    assert response.headers["Location"] == f"/admin/incidents/{incident.id}"
    assert incident.updates[0].body == "Requests to the API fail."
    assert incident.announced_at is not None
    url = f"/admin/incidents/{incident.id}"
    assert "The message is on the public page; customer subscribers are notified." in text(
        responder.get(url)
    )
    data = fill(responder, url, f"{url}/updates", status="identified", body="Found the cause.")
    responder.post(f"{url}/updates", data=data)
    notices = customer_notices()
    assert [b.audience.key for b in notices] == ["customers", "customers"]
    assert "Found the cause." in notices[-1].text_body
    public = client.get("/api/v2/summary.json").get_data(as_text=True)
    assert "Requests to the API fail." in public and "Found the cause." in public


def test_the_declare_page_says_a_message_waits_for_approval(responder, text):
    page = text(responder.get("/admin/incidents/new"))
    assert (
        "Customers need approval: this message goes to the internal page; use the composer "
        "for the public text." in page
    )
