"""Message templates per audience, phase and language: the shipped German and Spanish
customer, press and support texts, staff's own in the admin, the checks that do not
depend on the words run for each language, and the API's subscribe body with its
language."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.api.tokens import create_token
from app.comms import templating
from app.comms.context import SAMPLE_NEXT_UPDATE, Facts, incident_context, sample_context
from app.comms.language_checks import check_languages, placeholders
from app.comms.phases import INCIDENT_PHASES, TEMPLATE_PHASES
from app.i18n.words import INCIDENT_STATUS_WORDS
from app.incidents.services import declare_incident
from app.models import MessageTemplate
from core.db import db
from subscribers.models import Broadcast, Subscriber
from tests.snapshot import snapshot

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The audiences Herald ships German and Spanish templates for, every phase of each.
TRANSLATED = ("customers", "press", "support")
SHIPPED = [
    (audience, phase, language)
    for audience in TRANSLATED
    for phase in TEMPLATE_PHASES[audience]
    for language in ("de", "es")
]


@pytest.mark.parametrize(("audience", "phase", "language"), SHIPPED)
def test_every_customer_press_and_support_template_is_shipped_in_german_and_spanish(
    app, audience, phase, language
):
    english = templating.default_source(audience, phase)
    translated = templating.translated_default(audience, phase, language)
    assert translated is not None
    with force_locale(language):
        texts = templating.render_in(audience, phase, language, sample_context(audience))
    assert texts is not None and texts.source == "default"
    assert texts.page_text and texts.email_subject and texts.email_body and texts.sms_text
    assert texts.as_dict() != templating.render(audience, phase, sample_context(audience)).as_dict()
    # Every value the English text tells the reader, the translation tells too.
    for name, source in translated.items():
        assert placeholders(english[name]) <= placeholders(source), (audience, phase, name)


def test_an_audience_without_templates_in_a_language_has_none(app):
    assert templating.render_in("engineering", "investigating", "de", {}) is None
    assert templating.source_in("executives", "escalation", "es") is None


def test_the_checks_run_for_every_language_and_say_when_accents_make_an_sms_ucs2(app, audiences):
    checks = {c.language: c for c in check_languages("customers", "investigating")}
    assert list(checks) == ["en", "de", "es"]
    assert checks["en"].sms_encoding == "GSM-7"
    # German umlauts are in the GSM alphabet; Spanish ó and á are not, so the shipped
    # Spanish SMS does without them.
    assert checks["de"].sms_encoding == "GSM-7"
    assert checks["es"].sms_encoding == "GSM-7"
    for check in checks.values():
        assert check.problems == [] and check.missing == {}
        assert 0 < check.page_chars <= check.page_limit
    sources = dict(templating.translated_default("customers", "investigating", "es"))
    sources["sms_text"] = sources["sms_text"].replace("Siguiente aviso", "Próxima actualización")
    templating.save(None, "customers", "investigating", sources, sample_context("customers"), "es")
    db.session.commit()
    spanish = next(c for c in check_languages("customers", "investigating") if c.language == "es")
    assert spanish.sms_encoding == "UCS-2"
    support = {c.language: c.origin for c in check_languages("support", "investigating")}
    assert support == {"en": "default", "de": "default", "es": "default"}
    engineering = {c.language: c.origin for c in check_languages("engineering", "investigating")}
    assert engineering == {"en": "default", "de": "none", "es": "none"}


def test_a_translation_that_drops_a_value_is_reported(app, audiences, make_user):
    sources = dict(templating.translated_default("customers", "investigating", "de"))
    sources["sms_text"] = "{{ page_name }}: Störung bei {{ incident.name }}."
    templating.save(None, "customers", "investigating", sources, sample_context("customers"), "de")
    db.session.commit()
    german = next(c for c in check_languages("customers", "investigating") if c.language == "de")
    assert german.origin == "staff"
    assert "incident.url" in german.missing["sms_text"]
    assert not german.ok


def test_staff_edit_the_german_template_in_the_admin_and_english_stays(
    app, staff, make_user, audiences
):
    lead = staff(make_user("comms_lead"))
    url = "/admin/message-templates/customers/resolved?language=de"
    page = lead.get(url).get_data(as_text=True)
    assert "Das Problem ist behoben" in page  # the shipped German text, to edit
    assert 'data-language="es"' in page and "UCS-2" in page  # the checks, per language
    sources = templating.translated_default("customers", "resolved", "de")
    posted = {**sources, "email_subject": "Erledigt: {{ incident.name }}", "action": "save"}
    response = lead.post(url, data=posted)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    rows = db.session.scalars(select(MessageTemplate)).all()
    assert [(r.audience_key, r.phase, r.language) for r in rows] == [
        ("customers", "resolved", "de")
    ]
    english, origin = templating.source("customers", "resolved")
    assert origin == "default" and english["email_subject"] == "Resolved: {{ incident.name }}"
    listing = lead.get("/admin/message-templates").get_data(as_text=True)
    assert 'Deutsch</a>: <span class="tag">edited</span>' in listing
    reset = lead.post("/admin/message-templates/customers/resolved/reset?language=de")
    assert reset.status_code == 302
    assert db.session.scalars(select(MessageTemplate)).all() == []


def section(listing: str, audience: str) -> str:
    """One audience's table of the admin's template list."""
    return listing.split(f'id="audience-{audience}"', 1)[1].split("<h2", 1)[0]


def test_the_admin_lists_the_shipped_press_and_support_translations(
    app, staff, make_user, audiences
):
    lead = staff(make_user("comms_lead"))
    listing = lead.get("/admin/message-templates").get_data(as_text=True)
    for audience in TRANSLATED:
        table = section(listing, audience)
        for name in ("Deutsch", "Español"):
            assert table.count(f"{name}</a>: default") == len(TEMPLATE_PHASES[audience])
        assert "none, English sent" not in table
    # An audience Herald ships no translation for still offers the tab to write one.
    engineering = section(listing, "engineering")
    assert engineering.count("Deutsch</a>: none, English sent") == len(
        TEMPLATE_PHASES["engineering"]
    )


def test_the_press_template_in_german_renders_in_the_admin(app, staff, make_user, audiences):
    lead = staff(make_user("comms_lead"))
    url = "/admin/message-templates/press/investigating?language=de"
    response = lead.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Press · Investigating · Deutsch" in page
    assert '<span class="tag">default</span>' in page  # the shipped one, not "none"
    assert "Uns ist ein Problem bekannt, das" in page  # in the form, to edit
    german = re.search(r'<tr data-language="de">(.*?)</tr>', page, re.DOTALL).group(1)
    assert "<td>default</td>" in german and "<td>yes</td>" in german  # it renders
    assert "<td>none</td>" in german  # no value of the English text left out
    assert "(GSM-7)" in german and "finding-error" not in german
    sources = templating.translated_default("press", "investigating", "de")
    before = snapshot()
    preview = lead.post(url, data={**sources, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    page_name = app.config["PAGE_NAME"]
    opening = "Uns ist ein Problem bekannt, das Card payments betrifft, und wir untersuchen es."
    assert opening in html
    assert "<strong>Subject:</strong> Stellungnahme: Card payments failing" in html
    assert f"Stellungnahme von {page_name}: Uns ist ein Problem bekannt" in html
    assert "Abmelden mit STOP." in html and "finding-error" not in html
    assert snapshot() == before  # a preview saves nothing


@pytest.mark.parametrize(
    ("language", "sentence", "english"),
    [
        ("de", "Ein weiteres Update folgt bis {}.", "bis 28 Nov 2026"),
        ("es", "Ofreceremos una nueva actualización antes del {}.", "antes del 28 Nov 2026"),
    ],
)
def test_the_preview_of_a_translated_template_dates_it_as_a_sent_message_does(
    app, staff, make_user, make_component, audiences, language, sentence, english
):
    lead = staff(make_user("comms_lead"))
    url = f"/admin/message-templates/press/investigating?language={language}"
    sources = templating.translated_default("press", "investigating", language)
    preview = lead.post(url, data={**sources, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    # What a real update's notice says for the same moment, built as it is sent.
    card = make_component("Card payments")
    incident = declare_incident(
        None, "Card payments failing", "major", {card: "partial_outage"}, body="Failing."
    )
    with force_locale(language):
        sent = incident_context(
            incident,
            "investigating",
            Facts(next_update_at=SAMPLE_NEXT_UPDATE),
            {card: "partial_outage"},
            "press",
        )
    assert sent["next_update"].startswith("28")
    assert sentence.format(sent["next_update"]) in html
    assert english not in html


@pytest.mark.parametrize("phase", INCIDENT_PHASES)
def test_the_sample_facts_of_an_incident_phase_have_that_phase_s_status(
    app, staff, make_user, audiences, phase
):
    lead = staff(make_user("comms_lead"))
    html = lead.get(f"/admin/message-templates/customers/{phase}?language=de").get_data(
        as_text=True
    )
    with force_locale("de"):
        label = str(INCIDENT_STATUS_WORDS[phase])
    assert f"<tr><td><code>status</code></td><td>{phase}</td></tr>" in html
    assert f"<tr><td><code>incident.status</code></td><td>{phase}</td></tr>" in html
    assert f"<tr><td><code>status_label</code></td><td>{label}</td></tr>" in html
    # A phase that is no incident status (a maintenance notice) keeps the usual sample.
    assert sample_context("customers", "maintenance_started")["status"] == "identified"


def test_a_template_in_a_language_herald_does_not_have_is_not_found(app, staff, make_user):
    lead = staff(make_user("comms_lead"))
    before = snapshot()
    assert lead.get("/admin/message-templates/customers/resolved?language=fr").status_code == 404
    refused = lead.post(
        "/admin/message-templates/customers/resolved?language=fr",
        data={"page_text": "x", "email_subject": "x", "email_body": "x", "sms_text": "x"},
    )
    assert refused.status_code == 404 and snapshot() == before


@pytest.fixture
def api_token(app, make_user):
    _, plain = create_token(make_user("comms_lead"), "test")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_the_api_adds_a_subscriber_with_its_language(client, audiences, api_token):
    response = client.post(
        "/api/v1/subscribers",
        json={"channel": "email", "address": "Lucia@Example.com", "language": "es"},
        headers=api_token,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["language"] == "es"
    subscriber = db.session.scalar(select(Subscriber))
    assert (subscriber.address, subscriber.language, subscriber.state) == (
        "lucia@example.com",
        "es",
        "active",
    )
    notice = db.session.scalar(select(Broadcast).where(Broadcast.subscriber_id == subscriber.id))
    assert (
        notice.subject
        == "A partir de ahora recibirá las actualizaciones de estado de Herald Status"
    )


@pytest.mark.parametrize("bad", ["xx", "ES", "", 7, None, ["de"]])
def test_the_api_refuses_a_bad_language_with_400_and_stores_nothing(
    client, audiences, api_token, bad
):
    before = snapshot()
    body = {"channel": "email", "address": "x@example.com", "language": bad}
    if bad is None:
        body["language"] = "de-AT"
    response = client.post("/api/v1/subscribers", json=body, headers=api_token)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["field"] == "language"
    assert snapshot() == before


def test_the_openapi_document_describes_the_language_of_the_subscribe_body(client, api_token):
    document = client.get("/api/v1/openapi.json", headers=api_token).get_json()
    body = document["paths"]["/subscribers"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    assert schema["properties"]["language"]["enum"] == ["en", "de", "es"]
    assert schema["additionalProperties"] is False
