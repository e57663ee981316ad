"""A draft's checks include the SMS each other language's readers will get: the
audience's template in that language with the same fact sheet costs segments too (one
"ó" makes a Spanish text UCS-2, 70 characters a segment), and over the audience's limit
it is an error as the English one is, naming the language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from app.comms.approval import approve
from app.comms.context import Facts, sample_context
from app.comms.drafting import compose, edit_draft
from app.comms.sheet_texts import render_texts_in
from app.comms.templating import save, translated_default
from app.comms.translated_checks import translated_sms_findings
from app.incidents.services import declare_incident
from app.models import utcnow
from core.db import db
from core.errors import ServiceError
from subscribers.channels.segments import encoding, segment_count
from tests.snapshot import snapshot

LONG_WORKAROUND = "Retry the payment after a minute, or pay by bank transfer meanwhile."


@pytest.fixture
def incident(make_component, audiences):
    api = make_component("Checkout API")
    found = declare_incident(
        None, "Card payments failing for customers in Europe", "major", {api: "partial_outage"}
    )
    db.session.commit()
    return found


@pytest.fixture
def accented_spanish(app):
    """A Spanish customers template staff edited, its SMS with an "ó" (the text of the
    report: it went out at 4 segments, UCS-2, where customers allow 2)."""
    sources = dict(translated_default("customers", "investigating", "es"))
    sources["sms_text"] = sources["sms_text"].replace("Siguiente aviso:", "Próxima actualización:")
    assert "ó" in sources["sms_text"]
    with force_locale("es"):
        save(None, "customers", "investigating", sources, sample_context("customers"), "es")
    db.session.commit()


def customers_draft(incident, lead, **facts):
    values = {
        "summary": "Some card payments fail.",
        "workaround": LONG_WORKAROUND,
        "next_update_at": utcnow() + timedelta(minutes=30),
        **facts,
    }
    sheet = compose(
        lead, incident, status="investigating", facts=Facts(**values), audiences=["customers"]
    )
    db.session.commit()
    return next(d for d in sheet.drafts if d.audience_key == "customers")


def sms_findings(draft) -> dict[str, dict]:
    return {f["field"]: f for f in draft.findings if f["code"] == "sms_too_long"}


def test_a_spanish_sms_over_the_limit_is_an_error_naming_the_language(
    incident, make_user, accented_spanish
):
    draft = customers_draft(incident, make_user("comms_lead"))
    # The English SMS fits the two segments customers allow; it is not flagged.
    assert segment_count(draft.sms_text) <= 2 and encoding(draft.sms_text) == "GSM-7"
    found = sms_findings(draft)
    assert "sms_text" not in found
    spanish = found["sms_text:es"]
    assert spanish["severity"] == "error"
    assert spanish["message"].startswith("The SMS in Español (es) takes ")
    assert "UCS-2); this audience allows 2." in spanish["message"]


def test_the_composer_shows_the_spanish_sms_finding_and_approval_is_refused(
    incident, make_user, staff, accented_spanish
):
    lead, approver = make_user("comms_lead"), make_user("approver")
    draft = customers_draft(incident, lead)
    page = staff(lead).get(f"/admin/fact-sheets/{draft.fact_sheet.public_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "SMS in Español" in html and "The SMS in Español (es) takes" in html
    before = snapshot()
    with pytest.raises(ServiceError, match="1 error to fix"):
        approve(approver, draft)
    db.session.rollback()
    assert snapshot() == before


def test_a_spanish_sms_within_the_limit_raises_nothing(incident, make_user, accented_spanish):
    draft = customers_draft(incident, make_user("comms_lead"), workaround="", next_update_at=None)
    assert sms_findings(draft) == {}


def test_a_text_edited_by_hand_goes_out_in_english_so_no_translation_is_checked(
    incident, make_user, accented_spanish
):
    lead = make_user("comms_lead")
    draft = customers_draft(incident, lead)
    edit_draft(lead, draft, sms_text="Herald Status: card payments fail. We are on it.")
    db.session.commit()
    assert sms_findings(draft) == {}
    assert translated_sms_findings(draft, draft.fact_sheet, 2) == []


@pytest.mark.parametrize("language", ["de", "es"])
@pytest.mark.parametrize("status", ["investigating", "identified", "monitoring"])
def test_the_shipped_translations_text_in_gsm_7_and_fit_the_customers_limit(
    incident, make_user, language, status
):
    lead = make_user("comms_lead")
    sheet = compose(
        lead,
        incident,
        status=status,
        facts=Facts(
            summary="Some card payments fail.",
            workaround=LONG_WORKAROUND,
            next_update_at=utcnow() + timedelta(minutes=30),
        ),
        audiences=["customers"],
    )
    db.session.commit()
    with force_locale(language):
        sms = render_texts_in(sheet, "customers", language).sms_text
    assert encoding(sms) == "GSM-7", sms
    assert sms_findings(sheet.drafts[0]) == {}
