"""Fixtures for the communications screens: a public incident with a dependent component,
the people of the workflow, and composing a set of drafts through the form."""

from __future__ import annotations

import pytest

from app.incidents.services import declare_incident
from app.status.components import add_dependency
from core.db import db
from tests.admin_comms.helpers import (
    CUSTOMERS_TEXT,
    ENGINEERING_TEXT,
    draft_of,
    latest_sheet,
    local_input,
    sheet_url,
)
from tests.forms import page_text


@pytest.fixture
def lead(make_user):
    return make_user("comms_lead", email="lead@example.com", name="Casey Lead")


@pytest.fixture
def approver(make_user):
    return make_user("approver", email="pr@example.com", name="Robin Approver")


@pytest.fixture
def components(make_component):
    api = make_component("Payments API")
    checkout = make_component("Checkout")
    add_dependency(None, checkout, api, "hard")
    db.session.commit()
    return {"api": api, "checkout": checkout}


@pytest.fixture
def incident(app, audiences, components):
    """A public, major incident declared without a first update: the composer writes it."""
    incident = declare_incident(
        None, "Card payments failing", "major", {components["api"]: "partial_outage"}, body=""
    )
    db.session.commit()
    return incident


@pytest.fixture
def compose(fill):
    """``compose(client, incident, **changes)``: fill in the composer as a browser would
    (its defaults, plus ``changes``; None unticks or removes a field), post it and return
    the response."""

    def post(client, incident, **changes):
        url = f"/admin/incidents/{incident.id}/compose"
        values = {
            "summary": "Some card payments fail.",
            "customer_impact": "About one in ten card payments fails.",
            "workaround": "Pay by bank transfer.",
            "technical_detail": "The card processor answers 502 to 9% of requests.",
            "next_update_at": local_input(60),
        }
        values.update(changes)
        data = fill(client, url, **values)
        return client.post(url, data=data)

    return post


@pytest.fixture
def drafted(staff, lead, incident, compose):
    """A set of drafts for customers, engineering and executives, written by the lead."""
    client = staff(lead)
    response = compose(client, incident, audiences=["customers", "engineering", "executives"])
    assert response.status_code == 302, page_text(response)
    return client, latest_sheet()


@pytest.fixture
def ready(drafted, staff, approver, fill, make_subscriber, incident):
    """The drafted set with known page texts, the customers draft approved, and one
    subscriber in each audience."""
    client, sheet = drafted
    for audience, written in (("customers", CUSTOMERS_TEXT), ("engineering", ENGINEERING_TEXT)):
        action = f"/admin/drafts/{draft_of(sheet, audience).id}/edit"
        data = fill(client, sheet_url(sheet), action, page_text=written)
        assert client.post(action, data=data).status_code == 302
    customers = draft_of(sheet, "customers")
    assert customers.findings == []
    assert staff(approver).post(f"/admin/drafts/{customers.id}/approve").status_code == 302
    for audience in ("customers", "engineering", "executives"):
        make_subscriber(f"{audience}@example.com", audience=audience)
    return client, sheet
