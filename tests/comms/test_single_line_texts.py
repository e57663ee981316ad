"""Texts that become email headers and titles (incident, component, group and
maintenance names, draft subjects) are one line: a line break or a control character is
refused where it enters, with a clear message, and nothing changes. Bodies keep theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.comms.context import Facts
from app.comms.drafting import compose, edit_draft
from app.incidents.services import declare_incident, edit_incident
from app.maintenance.services import edit_maintenance, schedule_maintenance
from app.models import Component, ComponentGroup, Incident, Maintenance, utcnow
from app.status.components import create_component, create_group, update_component, update_group
from app.textrules import check_single_line, control_character
from core.db import db
from core.errors import ServiceError

BAD = [
    ("Payments down\nBcc: everyone@example.com", "a line break"),
    ("Payments\rdown", "a line break"),
    ("Payments\u2028down", "a line break"),
    ("Payments\x85down", "a line break"),
    ("Payments\tdown", "a tab"),
    ("Payments\x00down", "a control character (U+0000"),
    ("Payments\x1bdown", "a control character (U+001B"),
    ("Payments\x7fdown", "a control character (U+007F"),
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(action, what: str, words: str) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        action()
    db.session.rollback()
    assert caught.value.message.startswith(what), caught.value.message
    assert words in caught.value.message and "one line" in caught.value.message
    return caught.value


def test_the_rule_names_what_it_found():
    assert control_character("Payments down — card: 50% fail (EU) ✓") is None
    assert control_character("") is None
    for value, words in BAD:
        assert words in control_character(value)
    assert check_single_line("Fine", "A name") == "Fine"


@pytest.mark.parametrize(("name", "words"), BAD)
def test_an_incident_name_must_be_one_line(app, make_component, name, words):
    api = make_component("API")
    error = refused(
        lambda: declare_incident(None, name, "major", {api: "partial_outage"}),
        "An incident name",
        words,
    )
    assert error.field == "name"
    assert count(Incident) == 0


def test_an_incident_renamed_with_a_line_break_keeps_its_name(app, make_component):
    api = make_component("API")
    incident = declare_incident(None, "Payments down", "major", {api: "partial_outage"})
    db.session.commit()
    refused(
        lambda: edit_incident(None, incident, name="Payments down\nfor everyone"),
        "An incident name",
        "a line break",
    )
    assert db.session.get(Incident, incident.id).name == "Payments down"
    # A name is stripped: a trailing line break (a pasted name) is simply dropped.
    assert edit_incident(None, incident, name="Payments down \n").name == "Payments down"
    # A body keeps its line breaks.
    declare_incident(
        None, "Login errors", "minor", {api: "degraded_performance"}, body="First.\n\nSecond."
    )


@pytest.mark.parametrize(("name", "words"), BAD[:3])
def test_component_and_group_names_must_be_one_line(app, make_component, name, words):
    refused(lambda: create_component(None, name), "A component name", words)
    refused(lambda: create_group(None, name), "A group name", words)
    assert count(Component) == 0 and count(ComponentGroup) == 0
    component = make_component("API", group="Core")
    group = db.session.get(ComponentGroup, component.group_id)
    refused(lambda: update_component(None, component, name=name), "A component name", words)
    refused(lambda: update_group(None, group, name=name), "A group name", words)
    assert db.session.get(Component, component.id).name == "API"
    assert db.session.get(ComponentGroup, group.id).name == "Core"


@pytest.mark.parametrize(("name", "words"), BAD[:3])
def test_a_maintenance_name_must_be_one_line(app, make_component, name, words):
    api = make_component("API")
    start = utcnow() + timedelta(hours=1)
    window = (start, start + timedelta(hours=1))
    refused(
        lambda: schedule_maintenance(None, name, *window, [api], body="Upgrading.\nBack soon."),
        "A maintenance name",
        words,
    )
    assert count(Maintenance) == 0
    item = schedule_maintenance(None, "DB upgrade", *window, [api], body="Upgrading.\nSoon.")
    db.session.commit()
    refused(lambda: edit_maintenance(None, item, name=name), "A maintenance name", words)
    assert db.session.get(Maintenance, item.id).name == "DB upgrade"


@pytest.fixture
def draft(make_component, make_user, audiences):
    api = make_component("Checkout API")
    incident = declare_incident(None, "Checkout errors", "major", {api: "partial_outage"})
    sheet = compose(
        make_user("comms_lead"),
        incident,
        status="investigating",
        facts=Facts(
            summary="Some checkout payments fail.",
            customer_impact="About one in ten payments fails.",
            next_update_at=utcnow() + timedelta(minutes=30),
        ),
        audiences=["customers"],
    )
    db.session.commit()
    return sheet.drafts[0]


@pytest.mark.parametrize(("subject", "words"), BAD)
def test_a_draft_subject_must_be_one_line(app, draft, subject, words):
    before = draft.email_subject
    error = refused(
        lambda: edit_draft(None, draft, email_subject=subject), "The email subject", words
    )
    assert error.field == "email_subject"
    assert db.session.get(type(draft), draft.id).email_subject == before


def test_draft_bodies_keep_their_line_breaks(app, draft):
    edit_draft(
        None,
        draft,
        email_subject="Checkout errors: an update",
        email_body="Hello,\n\nSome payments fail.\r\n",
        page_text="Some payments fail.\n\nRetry later.",
        sms_text="Checkout errors.\nRetry later.",
    )
    db.session.commit()
    assert draft.email_body == "Hello,\n\nSome payments fail.\n"
    assert "subject_not_one_line" not in {f["code"] for f in draft.findings}
