"""Each private page is an audience of the comms workflow: drafted for, approved as the
customers are, with its own templates; its viewers subscribe and hear only its notices."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.comms import templating
from app.comms.approval import approve
from app.comms.context import Facts, sample_context
from app.comms.drafting import allowed_audiences, compose
from app.comms.publishing import publish
from app.incidents.services import declare_incident
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from core.db import db
from core.errors import ServiceError
from subscribers.models import Audience, Broadcast, Delivery, Subscriber
from subscribers.outbox import expand_broadcast

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def facts() -> Facts:
    return Facts(
        summary="Some ledger entries arrive late.",
        customer_impact="Balances may lag by an hour.",
        technical_detail="Kafka consumer lag on ledger-sync is 40 minutes.",
        next_update_at=utcnow() + timedelta(minutes=30),
    )


def test_creating_a_page_creates_its_audience_with_the_customers_rules(make_page):
    page = make_page()
    audience = db.session.scalar(select(Audience).where(Audience.key == "page:acme"))
    assert audience is not None and page.audience_id == audience.id
    assert audience.visibility == "public" and audience.tone == "plain"
    assert audience.needs_approval and audience.name == "Acme Corp"


def test_a_public_incident_may_be_drafted_for_the_page_and_the_draft_needs_approval(
    parts, make_page, make_user
):
    page = make_page()
    make_page("globex", "Globex", ("mail",))
    incident = declare_incident(
        None, "Ledger lag", "minor", {parts["ledger"]: "degraded_performance"}
    )
    allowed = allowed_audiences(incident)
    assert page.audience_key in allowed
    assert "page:globex" not in allowed  # its page shows none of the incident's components
    sheet = compose(
        make_user("comms_lead"),
        incident,
        status="investigating",
        facts=facts(),
        audiences=[page.audience_key, "customers", "engineering"],
    )
    db.session.commit()
    keys = [d.audience_key for d in sheet.drafts]
    assert keys == ["customers", "page:acme", "engineering"]  # public, pages, internal
    draft = next(d for d in sheet.drafts if d.audience_key == "page:acme")
    assert draft.needs_approval and draft.state != "approved"
    assert "Partner ledger" in draft.page_text  # its hidden component, named for its viewers
    assert "Kafka" not in draft.page_text  # plain words: no technical detail
    customers = next(d for d in sheet.drafts if d.audience_key == "customers")
    assert "Partner ledger" not in customers.page_text
    # Its readers are sent to their own page, never to the public site.
    texts = draft.email_body + draft.sms_text
    assert "https://status.example.com/p/acme" in texts and "/incidents/" not in texts
    assert f"/incidents/{incident.public_id}" in customers.email_body


def test_an_internal_incident_has_no_page_audience(parts, make_page, make_user):
    page = make_page()
    incident = declare_incident(
        None, "Drill", "minor", {parts["api"]: "degraded_performance"}, visibility="internal"
    )
    assert page.audience_key not in allowed_audiences(incident)
    with pytest.raises(ServiceError, match="internal incident has no public audiences"):
        compose(
            make_user("comms_lead"),
            incident,
            status="investigating",
            facts=facts(),
            audiences=[page.audience_key],
        )


def test_the_page_has_its_own_template(parts, make_page, make_user):
    page = make_page()
    sources = dict(templating.default_source("customers", "investigating"))
    sources["page_text"] = "Dear Acme: {{ facts.summary }}"
    templating.save(None, page.audience_key, "investigating", sources, sample_context("page:acme"))
    db.session.commit()
    assert ("page:acme", "investigating", "staff") in templating.all_templates()
    incident = declare_incident(
        None, "Ledger lag", "minor", {parts["ledger"]: "degraded_performance"}
    )
    sheet = compose(
        make_user("comms_lead"),
        incident,
        status="investigating",
        facts=facts(),
        audiences=["customers", page.audience_key],
    )
    texts = {d.audience_key: d.page_text for d in sheet.drafts}
    assert texts["page:acme"] == "Dear Acme: Some ledger entries arrive late."
    assert not texts["customers"].startswith("Dear Acme")


def test_a_viewer_subscribes_from_the_page_and_hears_only_its_notices(
    parts, make_page, make_user, viewer_client, make_subscriber
):
    page = make_page()
    client = viewer_client(page)
    form = client.get("/p/acme/subscribe")
    assert form.status_code == 200 and "ana@acme.example" in form.get_data(as_text=True)
    token = CSRF_RE.search(form.get_data(as_text=True)).group(1)
    assert client.post("/p/acme/subscribe").status_code == 400  # no CSRF token
    done = client.post("/p/acme/subscribe", data={"csrf_token": token})
    assert done.status_code == 200 and "Check your email" in done.get_data(as_text=True)
    subscriber = db.session.scalar(
        select(Subscriber).where(
            Subscriber.audience_id == page.audience_id, Subscriber.address == "ana@acme.example"
        )
    )
    assert subscriber.state == "pending"
    confirm = db.session.scalar(
        select(Broadcast).where(
            Broadcast.subscriber_id == subscriber.id, Broadcast.kind == "confirm_email"
        )
    )
    assert confirm is not None
    path = re.search(r"https://status\.example\.com(/subscribe/confirm/\S+)", confirm.text_body)
    page_form = client.get(path.group(1))
    confirm_token = CSRF_RE.search(page_form.get_data(as_text=True))
    client.post(path.group(1), data={"csrf_token": confirm_token.group(1)} if confirm_token else {})
    db.session.refresh(subscriber)
    assert subscriber.state == "active"
    make_subscriber("public@example.com")  # a customers subscriber

    incident = declare_incident(
        None, "Ledger lag", "minor", {parts["ledger"]: "degraded_performance"}
    )
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(
        lead, incident, status="investigating", facts=facts(), audiences=["customers", "page:acme"]
    )
    for draft in sheet.drafts:
        approve(approver, draft)
    result = publish(lead, sheet)
    db.session.commit()
    told = {}
    for draft, broadcast in result.sent:
        expand_broadcast(broadcast.id)
        told[draft.audience_key] = set(
            db.session.scalars(
                select(Subscriber.address)
                .join(Delivery, Delivery.subscriber_id == Subscriber.id)
                .where(Delivery.broadcast_id == broadcast.id)
            )
        )
    assert told == {"page:acme": {"ana@acme.example"}, "customers": {"public@example.com"}}


def test_maintenance_on_a_pages_components_is_announced_to_its_audience(parts, make_page):
    make_page()
    make_page("globex", "Globex", ("mail",))
    start = utcnow() + timedelta(days=2)
    schedule_maintenance(
        None, "Ledger upgrade", start, start + timedelta(hours=1), [parts["ledger"]], body="Up."
    )
    db.session.commit()
    told = set(
        db.session.scalars(
            select(Audience.key)
            .join(Broadcast, Broadcast.audience_id == Audience.id)
            .where(Broadcast.kind == "maintenance")
        )
    )
    assert "page:acme" in told and "page:globex" not in told
    assert "customers" in told
