"""Checks found missing by a persona tryout: a guess that blames a third party, a cause
said to be found while the status is investigating, and doubled punctuation (which the
templates no longer produce when a fact ends with its own full stop)."""

from __future__ import annotations

import pytest

from app.comms.checks import ERROR, WARNING
from app.comms.context import Facts
from app.comms.drafting import compose
from app.incidents.services import declare_incident
from core.db import db
from tests.comms.checkkit import codes, run, texts_of

# blame: a guess that puts the fault on someone else -------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Our partner probably dropped the requests.", "Our partner probably dropped"),
        ("The vendor may have lost the files overnight.", "The vendor may have lost"),
        ("We suspect our courier ignored the new delivery slots.", "our courier ignored"),
        ("The carrier possibly rejected the messages as spam.", "The carrier possibly rejected"),
        ("Maybe the payment provider throttled our requests.", "the payment provider throttled"),
        ("Our contractor apparently cut the requests off.", "Our contractor apparently cut"),
    ],
)
def test_a_guess_that_a_third_party_caused_a_loss_is_blame(app, text, words):
    found = texts_of(run(text, audience="engineering"), "blame", text)
    assert any(
        (severity, field) == (ERROR, "page_text") and said.startswith(words)
        for severity, field, said in found
    ), found


@pytest.mark.parametrize(
    "text",
    [
        # Machines are never agents; an API gateway is a machine.
        "The load balancer probably dropped the requests.",
        "The API gateway probably dropped the requests.",
        # What befalls a partner, or what it does to help, is no one's fault.
        "Our provider is probably seeing the same errors.",
        "Our partner probably restored the link an hour ago.",
        "Our bank has probably received the payments by now.",
        # We own our own guesses.
        "We probably dropped some requests while we restarted the service.",
    ],
)
def test_a_guess_without_a_third_party_at_fault_is_not_blame(app, text):
    assert "blame" not in codes(run(text, audience="engineering")), text


def test_a_guessed_culprit_is_also_speculation_for_customers(app):
    text = "Our partner probably dropped the requests. Next update by 15:00 UTC."
    found = codes(run(text))
    assert {"blame", "speculation"} <= found


# contradiction: the cause found while investigating ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We found the cause and are working on a fix.",
        "We've identified the root cause: a full disk on the database server.",
        "The root cause has been identified.",
        "We know what caused the errors.",
        "The cause is now known.",
        # Found by a new user: a cause told as found, without the word "cause".
        "We have found that a recent change to our payout system stopped the payout files.",
        "The outage is caused by a faulty update to our payout system.",
    ],
)
def test_a_cause_found_while_investigating_is_a_contradiction(app, text):
    findings = run(text, status="investigating")
    [(severity, field, _)] = texts_of(findings, "contradiction", text)
    assert (severity, field) == (WARNING, "page_text")
    message = next(f.message for f in findings if f.code == "contradiction")
    assert "investigating" in message and "identified" in message


@pytest.mark.parametrize(
    "text",
    [
        "We have identified an issue affecting card payments and are investigating.",
        "We haven't found the cause yet.",
        "We have not yet identified the cause of the errors.",
        "Once we've found the cause, we will tell you how long a fix will take.",
        "We are still looking for the cause.",
        "We have found that some merchants in the EU are affected.",
        "We have not found that anything caused data loss.",
    ],
)
def test_a_cause_still_sought_is_no_contradiction_while_investigating(app, text):
    assert "contradiction" not in codes(run(text, status="investigating")), text


def test_a_cause_found_is_what_identified_says(app):
    assert "contradiction" not in codes(run("We found the cause.", status="identified"))


# doubled punctuation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Card payments fail.. Next update by 15:00 UTC.", ".."),
        ("Card payments are back!. Next update by 15:00 UTC.", "!."),
        ("Are payments failing?. Next update by 15:00 UTC.", "?."),
        ("Card payments,, transfers and refunds fail. Next update by 15:00 UTC.", ",,"),
        ("Card payments fail for customers in.... Next update by 15:00 UTC.", "...."),
    ],
)
def test_doubled_punctuation_in_a_text_is_a_warning(app, text, words):
    findings = run(text)
    assert texts_of(findings, "double_punctuation", text) == [(WARNING, "page_text", words)]


@pytest.mark.parametrize(
    "text",
    [
        "We're looking into it... Next update by 15:00 UTC.",
        "Run cd .. and then ls ../logs. Next update by 15:00 UTC.",
        "Versions 4.1..4.3 are affected. Next update by 15:00 UTC.",
    ],
)
def test_an_ellipsis_a_path_or_a_range_is_not_doubled(app, text):
    assert "double_punctuation" not in codes(run(text, audience="engineering")), text


def test_a_fact_ending_with_a_full_stop_renders_with_one(make_component, audiences, make_user):
    """A name or fact that ends with its own full stop before the template's own (or a
    long name truncated with "..." before it) renders with one: "Card payments fail.",
    not "Card payments fail..", and the checks find nothing doubled."""
    api = make_component("Checkout API", tier="tier2")
    name = "Card payments fail for some of our customers in Europe today."
    incident = declare_incident(None, name, "major", {api: "partial_outage"})
    db.session.commit()
    sheet = compose(
        make_user("comms_lead"),
        incident,
        status="investigating",
        facts=Facts(summary="Some card payments fail!", workaround="Pay by bank transfer."),
        audiences=["customers", "support", "engineering", "executives"],
    )
    for draft in sheet.drafts:
        for field in ("page_text", "email_subject", "email_body", "sms_text"):
            text = getattr(draft, field)
            for doubled in ("..", "!.", "?.", ",,"):
                assert doubled not in text.replace("...", ""), (draft.audience_key, field, text)
        assert "double_punctuation" not in {f["code"] for f in draft.findings}
    support = next(d for d in sheet.drafts if d.audience_key == "support")
    assert f"**Investigating: {name}**" in support.page_text
