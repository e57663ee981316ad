"""The message-template screens: the list, preview without saving, save with the line of
any error, reset to the default."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.comms import templating
from app.comms.context import sample_context
from app.comms.phases import TEMPLATE_PHASES
from app.models import MessageTemplate
from core.db import db
from tests.comms.templatekit import HUGE, SETUP

URL = "/admin/message-templates/customers/investigating"
RESET = f"{URL}/reset"


def stored_count() -> int:
    return db.session.scalar(select(func.count(MessageTemplate.id)))


@pytest.fixture
def lead(make_user, staff):
    return staff(make_user("comms_lead", name="Casey Comms"))


def test_the_list_shows_every_template_and_which_are_edited(lead, text):
    page = text(lead.get("/admin/message-templates"))
    for audience, phases in TEMPLATE_PHASES.items():
        for phase in phases:
            assert f'href="/admin/message-templates/{audience}/{phase}"' in page
    assert '<span class="tag">edited</span>' not in page

    sources = dict(templating.default_source("press", "resolved"))
    sources["email_subject"] = "Statement: {{ incident.name }} is over"
    templating.save(None, "press", "resolved", sources, sample_context("press"))
    db.session.commit()
    page = text(lead.get("/admin/message-templates"))
    row = re.search(
        r'<tr><td><a href="/admin/message-templates/press/resolved">.*?</tr>', page, re.DOTALL
    ).group(0)
    assert '<span class="tag">edited</span>' in row


def test_the_navigation_offers_templates_to_those_who_may_edit_them(make_user, staff):
    assert 'href="/admin/message-templates"' in staff(make_user("comms_lead")).get(
        "/admin/"
    ).get_data(as_text=True)
    approver = staff(make_user("approver"))
    assert 'href="/admin/message-templates"' not in approver.get("/admin/").get_data(as_text=True)
    assert approver.get(URL).status_code == 403


def test_the_edit_page_shows_the_default_and_the_variables(lead, text):
    page = text(lead.get(URL))
    assert "default" in page and "Reset to default" not in page
    assert templating.default_source("customers", "investigating")["sms_text"] in page
    for name in ("facts.workaround", "next_update_short", "component_statuses"):
        assert f"<code>{name}</code>" in page


def test_preview_renders_with_sample_facts_and_saves_nothing(lead, fill, text):
    data = fill(
        lead,
        URL,
        action=URL,
        page_text="We're **aware** of a problem with {{ components|join(', ') }}.",
        sms_text="{{ page_name }}: we\u2019re on it. {{ incident.url }}",
    )
    data["action"] = "preview"
    response = lead.post(URL, data=data)
    page = text(response)
    assert response.status_code == 200
    assert "Nothing has been saved" in page
    assert "<strong>aware</strong> of a problem with Card payments." in page
    assert "Herald Status: we\u2019re on it. https://status.example.com/incidents/x" in page
    assert re.search(r"\d+ characters · 1 segment \(UCS-2\)", page)
    assert "Investigating: Card payments failing" in page  # the subject, unchanged
    assert stored_count() == 0


def test_preview_shows_the_problems_with_their_lines(lead, fill, text):
    data = fill(lead, URL, action=URL, email_body="Hello\n\n{{ facts.no_such_fact }}")
    data["action"] = "preview"
    page = text(lead.post(URL, data=data))
    assert "email body, line 3: 'dict object' has no attribute 'no_such_fact'" in page
    assert "The body does not render" in page
    assert stored_count() == 0


def test_preview_of_a_template_that_loops_forever_reports_it_and_returns(lead, fill, text):
    loop = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    data = fill(lead, URL, action=URL, sms_text=loop)
    data["action"] = "preview"
    page = text(lead.post(URL, data=data))
    assert "sms text, line 1: the template runs too long" in page
    assert stored_count() == 0


def test_save_refuses_a_broken_template_with_the_line(lead, fill, text):
    data = fill(
        lead,
        URL,
        action=URL,
        sms_text="{{ page_name }}\n{% if facts.workaround %}{{ facts.workaround }}",
    )
    data["action"] = "save"
    response = lead.post(URL, data=data)
    assert response.status_code == 400
    assert "Not saved: sms text, line 2" in text(response)
    assert stored_count() == 0


def test_save_then_reset(lead, fill, text):
    data = fill(lead, URL, action=URL, email_subject="We're looking into: {{ incident.name }}")
    data["action"] = "save"
    response = lead.post(URL, data=data)
    assert response.status_code == 302 and response.headers["Location"] == URL
    row = templating.stored("customers", "investigating")
    assert row.email_subject == "We're looking into: {{ incident.name }}"
    # What the browser sent back unchanged is stored as it was (no CRLF, nothing lost).
    assert row.email_body == templating.default_source("customers", "investigating")["email_body"]
    page = text(lead.get(URL))
    assert '<span class="tag">edited</span>' in page and "by Casey Comms" in page
    assert "Reset to default" in page

    response = lead.post(RESET, data=fill(lead, URL, action=RESET))
    assert response.status_code == 302 and response.headers["Location"] == URL
    assert templating.stored("customers", "investigating") is None
    assert "back to the default" in text(lead.get(URL))


def test_an_unknown_template_is_not_found(lead):
    assert lead.get("/admin/message-templates/press/escalation").status_code == 404
    assert lead.get("/admin/message-templates/nobody/investigating").status_code == 404
    assert lead.post("/admin/message-templates/staff/monitoring/reset").status_code == 404


@pytest.mark.parametrize(("payload", "words"), HUGE)
def test_preview_refuses_a_template_that_would_build_a_huge_text(lead, fill, text, payload, words):
    data = fill(lead, URL, action=URL, email_body="Hello,\n" + SETUP + payload)
    data["action"] = "preview"
    response = lead.post(URL, data=data)
    page = text(response)
    assert response.status_code == 200 and "Nothing has been saved" in page
    assert "email body" in page and words in page
    assert stored_count() == 0


@pytest.mark.parametrize(("payload", "words"), HUGE)
def test_save_refuses_a_template_that_would_build_a_huge_text_and_keeps_the_old_one(
    lead, fill, text, payload, words
):
    data = fill(lead, URL, action=URL, email_subject="Kept: {{ incident.name }}")
    data["action"] = "save"
    assert lead.post(URL, data=data).status_code == 302
    data = fill(lead, URL, action=URL, email_body="Hello,\n" + SETUP + payload)
    data["action"] = "save"
    response = lead.post(URL, data=data)
    page = text(response)
    assert response.status_code == 400
    assert "Not saved: email body" in page and words in page
    row = templating.stored("customers", "investigating")
    assert row.email_subject == "Kept: {{ incident.name }}"
    assert row.email_body == templating.default_source("customers", "investigating")["email_body"]


def test_a_private_pages_templates_are_headed_by_the_pages_name(lead, make_component, fill, text):
    from app.pages.services import create_page

    ledger = make_component("Ledger")
    create_page(None, slug="acme", name="Acme Corp", components=[ledger.public_id])
    db.session.commit()
    page = text(lead.get("/admin/message-templates"))
    assert '<h2 id="audience-page:acme">Acme Corp</h2>' in page
    assert "Page:acme" not in page
    url = "/admin/message-templates/page:acme/investigating"
    edit = text(lead.get(url))
    assert "<h1>Acme Corp · " in edit and "Page:acme" not in edit
    data = fill(lead, url, action=url, email_subject="Acme: {{ incident.name }}")
    data["action"] = "save"
    assert lead.post(url, data=data).status_code == 302
    assert "Saved the Acme Corp template for Investigating." in text(lead.get(url))
