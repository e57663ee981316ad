"""The shipped German and Spanish templates of the customers, press and support audiences
pass the checks the admin shows for each language (they render, leave out none of the
English text's values, fit the page and SMS limits), render from a real incident's fact
sheet and a real maintenance window without a stray gap or an empty label, and raise no
error on a draft: their SMS stays in GSM-7 and within the audience's segments."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale

from app.comms import templating
from app.comms.context import Facts, incident_context, maintenance_context
from app.comms.drafting import compose
from app.comms.language_checks import check_languages
from app.comms.phases import INCIDENT_PHASES, MAINTENANCE_PHASES, TEMPLATE_PHASES
from app.comms.sheet_texts import render_texts_in
from app.comms.translated_checks import translated_sms_findings
from app.incidents.services import declare_incident
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from core.db import db
from subscribers.channels.segments import encoding, segment_count
from tests.comms.test_default_templates import long_context, sparse_context

TRANSLATED = ("customers", "press", "support")
LANGUAGES = ("de", "es")
SHIPPED = [
    (audience, phase, language)
    for audience in TRANSLATED
    for phase in TEMPLATE_PHASES[audience]
    for language in LANGUAGES
]
WORKAROUND = "Retry the payment after a minute, or pay by bank transfer meanwhile."


@pytest.fixture(autouse=True)
def fixed_settings(app):
    """What the texts show of the settings, whatever HERALD_* the environment sets."""
    app.config.update(PAGE_NAME="Herald Status", PUBLIC_URL="https://status.example.com")


def in_language(audience: str, phase: str, language: str, context: dict) -> templating.Texts:
    with force_locale(language):
        texts = templating.render_in(audience, phase, language, context)
    assert texts is not None and texts.source == "default" and texts.error == ""
    return texts


def assert_fits(texts: templating.Texts, limit: int) -> None:
    sms = texts.sms_text
    assert encoding(sms) == "GSM-7", sms
    assert segment_count(sms) <= limit, f"{len(sms)} characters: {sms}"


@pytest.mark.parametrize(("audience", "phase", "language"), SHIPPED)
def test_the_shipped_translation_passes_every_check_the_admin_shows(
    app, audiences, audience, phase, language
):
    check = next(c for c in check_languages(audience, phase) if c.language == language)
    assert check.origin == "default"
    assert check.problems == [] and check.missing == {}
    assert 0 < check.page_chars <= check.page_limit
    assert check.sms_encoding == "GSM-7" and 0 < check.sms_segments <= check.sms_limit
    assert check.ok


@pytest.mark.parametrize(("audience", "phase", "language"), SHIPPED)
def test_the_shipped_translation_reads_well_with_sparse_or_wordy_facts(
    app, audiences, audience, phase, language
):
    limit = audiences[audience].sms_max_segments
    with force_locale(language):
        sparse, wordy = sparse_context(audience), long_context(audience)
    for name, text in in_language(audience, phase, language, sparse).as_dict().items():
        # No label left without its value, no empty brackets, no stray spaces or blank runs.
        assert not re.search(r":\*\* *$|: +$", text, re.MULTILINE), (name, text)
        assert "()" not in text and " ." not in text and " ," not in text, (name, text)
        assert "  " not in text and "\n\n\n" not in text, (name, text)
        assert "None" not in text, (name, text)
    assert_fits(in_language(audience, phase, language, sparse), limit)
    assert_fits(in_language(audience, phase, language, wordy), limit)


@pytest.fixture
def incident(make_component, audiences):
    api = make_component("Checkout API")
    found = declare_incident(
        None, "Card payments failing for customers in Europe", "major", {api: "partial_outage"}
    )
    db.session.commit()
    return found


def facts() -> Facts:
    return Facts(
        summary="Some card payments fail at checkout.",
        customer_impact="About one in ten card payments in the EU fails.",
        workaround=WORKAROUND,
        eta=utcnow() + timedelta(hours=2),
        next_update_at=utcnow() + timedelta(minutes=30),
    )


@pytest.mark.parametrize("status", INCIDENT_PHASES)
def test_a_real_fact_sheet_renders_in_every_language_with_no_error_on_its_drafts(
    incident, make_user, audiences, status
):
    sheet = compose(
        make_user("comms_lead"),
        incident,
        status=status,
        facts=facts(),
        audiences=list(TRANSLATED),
    )
    db.session.commit()
    for draft in sheet.drafts:
        limit = audiences[draft.audience_key].sms_max_segments
        # The checks a draft shows for each language's SMS: none is an error.
        assert translated_sms_findings(draft, sheet, limit) == []
        assert not [f for f in draft.findings if f["field"].startswith("sms_text:")]
        for language in LANGUAGES:
            with force_locale(language):
                texts = render_texts_in(sheet, draft.audience_key, language)
            assert texts is not None and texts.source == "default"
            assert "Checkout API" in texts.page_text, (draft.audience_key, language)
            assert incident.name in texts.email_subject
            assert incident.public_id in texts.sms_text
            assert_fits(texts, limit)


@pytest.mark.parametrize("audience", TRANSLATED)
def test_the_all_clear_renders_from_a_real_incident_in_every_language(
    incident, audiences, audience
):
    components = dict.fromkeys(incident.components, "operational")
    for language in LANGUAGES:
        with force_locale(language):
            context = incident_context(incident, "resolved", facts(), components, audience)
        texts = in_language(audience, "all_clear", language, context)
        assert incident.name in texts.email_subject or incident.name in texts.email_body
        assert "Checkout API" in texts.page_text
        assert_fits(texts, audiences[audience].sms_max_segments)


@pytest.mark.parametrize("phase", MAINTENANCE_PHASES)
@pytest.mark.parametrize("audience", TRANSLATED)
def test_a_real_maintenance_window_renders_in_every_language(
    make_component, audiences, audience, phase
):
    start = utcnow() + timedelta(days=3)
    window = schedule_maintenance(
        None,
        "Upgrade of the payment ledger",
        start,
        start + timedelta(hours=4),
        [make_component("Ledger"), make_component("Refunds")],
        body="Refunds wait until the upgrade is done.",
    )
    db.session.commit()
    for language in LANGUAGES:
        with force_locale(language):
            context = maintenance_context(window, audience)
        texts = in_language(audience, phase, language, context)
        assert "Upgrade of the payment ledger" in texts.email_subject
        assert "Ledger" in texts.page_text and "Refunds" in texts.page_text
        assert context["maintenance"]["url"] in texts.email_body
        assert_fits(texts, audiences[audience].sms_max_segments)
