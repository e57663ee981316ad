"""The same finding in several channels of a draft (the same check, the same words)
counts once, and one reason overrides it in each (app/comms/finding_groups.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.comms.approval import override, who_must_act
from app.comms.context import Facts
from app.comms.drafting import compose, edit_draft
from app.comms.finding_groups import finding_key
from app.incidents.services import declare_incident
from app.models import utcnow
from core.db import db

INFRA = " The ingress pods were OOMKilled. It was human error."


@pytest.fixture
def draft(make_component, audiences, make_user):
    api = make_component("Checkout API", tier="tier2")
    incident = declare_incident(None, "Checkout errors", "major", {api: "partial_outage"})
    db.session.commit()
    lead = make_user("comms_lead")
    facts = Facts(
        summary="Some checkout payments fail with an error.",
        customer_impact="About one in ten payments in Europe fails.",
        next_update_at=utcnow() + timedelta(minutes=30),
    )
    sheet = compose(lead, incident, status="investigating", facts=facts, audiences=["customers"])
    found = sheet.drafts[0]
    edit_draft(
        lead,
        found,
        page_text=found.page_text + INFRA,
        email_body=found.email_body + INFRA,
        sms_text="Checkout: the ingress pods were OOMKilled.",
    )
    return found


def test_the_new_kubernetes_words_are_jargon_to_customers(draft):
    found = {
        (f["field"], draft.page_text[f["start"] : f["end"]])
        for f in draft.findings
        if f["code"] == "jargon" and f["field"] == "page_text"
    }
    assert ("page_text", "ingress") in found and ("page_text", "OOMKilled") in found


def test_a_finding_in_several_channels_counts_once(draft):
    jargon = [f for f in draft.findings if f["code"] == "jargon"]
    blame = [f for f in draft.findings if f["code"] == "blame"]
    assert len(blame) == 2 and len(jargon) >= 6  # found in each channel
    [author] = who_must_act(draft.fact_sheet)  # no approver while an error stands
    assert author.what == "fix 1 error and change the text or give a reason for 3 warnings"


def test_one_reason_overrides_the_finding_in_every_channel(draft, make_user):
    ingress = [
        f
        for f in draft.findings
        if f["code"] == "jargon" and f["end"] - f["start"] == len("ingress")
    ]
    assert {f["field"] for f in ingress} == {"page_text", "email_body", "sms_text"}
    override(make_user("comms_lead"), draft, finding_key(ingress[0]), "Our readers run clusters.")
    assert all(finding_key(f) in draft.overrides for f in ingress)
    [author] = who_must_act(draft.fact_sheet)  # no approver while an error stands
    assert author.what == "fix 1 error and change the text or give a reason for 2 warnings"
