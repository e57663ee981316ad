"""The checks that read the words of a draft: blame, speculation, jargon, placeholders,
contradictions and the customer acknowledgement. Each is shown firing on texts that
should trip it, pointing at the words, and staying quiet on texts that should not."""

from __future__ import annotations

import pytest

from app import accounts
from app.comms.checks import ERROR, WARNING, blocking
from core.db import db
from tests.comms.checkkit import codes, run, texts_of

PLAIN_AUDIENCES = ("customers", "press", "support", "executives")


@pytest.fixture
def people(app, make_user):
    """A staff member with a full name and a team, as the blame check knows them."""
    accounts.create_team(None, "Payments")
    make_user("responder", name="Jordan Smith")
    db.session.commit()


# blame ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The outage was down to human error during maintenance.", "human error"),
        ("It was the fault of our card processor.", "the fault of"),
        ("The outage was caused by the Payments team.", "caused by the Payments team"),
        ("Payments failed after Jordan Smith changed a setting.", "Jordan Smith"),
        ("The outage was caused by an engineer.", "caused by an engineer"),
        ("We do not blame anyone.", "blame"),
        (
            "An engineer on the payments team made a bad change.",
            "An engineer on the payments team made a bad",
        ),
        (
            "An engineer on the payments platform team broke the release.",
            "An engineer on the payments platform team broke",
        ),
        ("Someone deployed the wrong build.", "Someone deployed the wrong"),
        ("One of our developers pushed a bad config.", "One of our developers pushed a bad"),
        ("An engineer accidentally deleted the table.", "An engineer accidentally deleted"),
        ("A developer's change broke checkout.", "A developer's change"),
        ("An operator made a mistake in the firewall rules.", "An operator made a mistake"),
    ],
)
@pytest.mark.parametrize("audience", ["customers", "engineering"])
def test_blame_is_an_error_pointing_at_the_words(people, text, words, audience):
    found = run(text, audience=audience)
    assert texts_of(found, "blame", text) == [(ERROR, "page_text", words)]


@pytest.mark.parametrize(
    "text",
    [
        "An error in the payment service made some payments fail.",
        "The outage was caused by a configuration change.",
        "Payments are failing for some customers.",  # a team's name is not blame
        "Jordan, our mobile app, is working normally.",  # a first name alone is not a person
        "The fault was in a network switch.",
        "The deploy broke the checkout page.",  # a system breaking things is not blame
        "An engineer restarted the service and payments recovered.",
        # What people do right is not blame.
        "An engineer ran the migration successfully.",
        "Our engineers deployed a fix and are monitoring.",
        "Our engineers made good progress.",
        "The on-call engineer pushed a fix.",
        "Operators ran the failover drill.",
        "Someone reported slow pages.",
        "Our team made progress.",
    ],
)
def test_words_about_systems_are_not_blame(people, text):
    assert "blame" not in codes(run(text, audience="engineering"))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Bob broke the release.", "Bob broke"),
        ("It failed because Casey forgot to renew the certificate.", "Casey forgot"),
        ("Élodie misconfigured the router.", "Élodie misconfigured"),
    ],
)
def test_a_capitalised_name_doing_something_wrong_is_an_error(people, text, words):
    # A given name ("Bob"), or an act only people do ("forgot", "misconfigured"): a word
    # that may be a product stays a warning (test_a_named_person_at_fault_is_an_error).
    found = run(text, audience="engineering")
    assert texts_of(found, "blame", text) == [(ERROR, "page_text", words)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "Bob from the payments team forgot to renew the certificate.",
            "Bob from the payments team forgot",
        ),
        (
            "Priya on the platform team misconfigured the load balancer.",
            "Priya on the platform team misconfigured",
        ),
        (
            "Mark in operations restarted the wrong load balancer.",
            "Mark in operations restarted the wrong",
        ),
    ],
)
def test_a_name_placed_on_a_team_doing_something_wrong_is_a_person_and_an_error(
    people, text, words
):
    """Found by a new user: "Bob from the payments team forgot …" was only a warning while
    "Our vendor probably dropped …" was an error. A product is on no team."""
    found = run(text, audience="customers")
    assert texts_of(found, "blame", text) == [(ERROR, "page_text", words)]


@pytest.mark.parametrize(
    "text",
    [
        "Payments in Europe missed the cut-off.",
        "Checkout in operations mode broke the basket.",
        "Search on the platform cluster forgot its cache.",
    ],
)
def test_a_system_in_a_place_is_no_person_on_a_team(people, text):
    assert (ERROR, "blame") not in {(f.severity, f.code) for f in run(text, audience="customers")}


@pytest.mark.parametrize(
    "text",
    [
        "Traffic dropped by 40% after the release.",
        "Something broke in the cache layer.",
        "They forgot nothing: every payment was kept.",
    ],
)
def test_ordinary_sentence_openings_are_not_named_culprits(people, text):
    assert "blame" not in codes(run(text, audience="engineering"))


def test_blame_is_found_in_every_text_of_a_draft(people):
    texts = {
        "page_text": "Payments are slow.",
        "email_subject": "Human error in payments",
        "email_body": "Sorry: Jordan Smith restarted the wrong server.",
        "sms_text": "It was the fault of a contractor.",
    }
    found = run(
        texts["page_text"],
        subject=texts["email_subject"],
        email=texts["email_body"],
        sms=texts["sms_text"],
    )
    assert texts_of(found, "blame", texts) == [
        (ERROR, "email_subject", "Human error"),
        (ERROR, "email_body", "Jordan Smith"),
        (ERROR, "sms_text", "the fault of"),
    ]


# speculation ---------------------------------------------------------------------------

SPECULATIVE = "We think the cause is probably a faulty disk; it should be fixed soon, maybe today."


@pytest.mark.parametrize("audience", ["customers", "press"])
def test_speculation_in_an_external_text_is_a_warning(app, audience):
    found = run(SPECULATIVE, audience=audience)
    assert texts_of(found, "speculation", SPECULATIVE) == [
        (WARNING, "page_text", "We think"),
        (WARNING, "page_text", "probably"),
        (WARNING, "page_text", "should be fixed"),
        (WARNING, "page_text", "maybe"),
    ]


@pytest.mark.parametrize("audience", ["support", "engineering", "executives"])
def test_internal_audiences_may_speculate(app, audience):
    assert "speculation" not in codes(run(SPECULATIVE, audience=audience))


@pytest.mark.parametrize(
    "text",
    [
        "We know the cause: a faulty disk. We are replacing it now.",
        "Payments succeed when retried.",
        "The fix will be in place by 15:00 UTC.",
    ],
)
def test_statements_of_fact_are_not_speculation(app, text):
    assert "speculation" not in codes(run(text, audience="customers"))


# jargon --------------------------------------------------------------------------------

JARGON = "Elevated 5xx rates after a DNS change; we started a failover to the replica."


@pytest.mark.parametrize("audience", PLAIN_AUDIENCES)
def test_jargon_in_a_plain_language_audience_is_a_warning(app, audience):
    found = run(JARGON, audience=audience)
    assert texts_of(found, "jargon", JARGON) == [
        (WARNING, "page_text", "5xx"),
        (WARNING, "page_text", "DNS"),
        (WARNING, "page_text", "failover"),
        (WARNING, "page_text", "replica"),
    ]


def test_a_web_address_is_not_jargon_but_the_same_word_in_a_sentence_is(app):
    linked = "Card payments are slow. Follow us at http://127.0.0.1:5000/incidents/x."
    assert "jargon" not in codes(run(linked, audience="customers"))
    spoken = "Some pages answer with an HTTP error."
    assert texts_of(run(spoken, audience="customers"), "jargon", spoken) == [
        (WARNING, "page_text", "HTTP")
    ]


def test_a_technical_audience_gets_its_jargon(app):
    assert "jargon" not in codes(run(JARGON, audience="engineering"))
    # It is the audience's tone that counts, not its name.
    assert "jargon" not in codes(run(JARGON, audience="support", tone="technical"))


@pytest.mark.parametrize(
    "text",
    [
        "Some card payments are failing. Retry in a few minutes.",
        "Listen to our podcast about redistribution of payouts.",  # pod, redis inside words
        "Sign-in is slow; the website works normally.",
    ],
)
def test_plain_words_are_not_jargon(app, text):
    assert "jargon" not in codes(run(text, audience="customers"))


# placeholders --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("We expect a fix by [TODO].", "[TODO]"),
        ("Hello {{ x }}, payments fail.", "{{ x }}"),
        ("The fix is TBD.", "TBD"),
        ("Next update at <insert time>.", "<insert time>"),
        ("Dear [CUSTOMER NAME], we are sorry.", "[CUSTOMER NAME]"),
        ("{% if eta %}Soon{% endif %}", "{% if eta %}"),
    ],
)
@pytest.mark.parametrize("audience", ["customers", "engineering"])
def test_an_unfilled_placeholder_is_an_error(app, text, words, audience):
    found = texts_of(run(text, audience=audience), "placeholder", text)
    assert found[0] == (ERROR, "page_text", words)


@pytest.mark.parametrize(
    "text",
    [
        "Read more on our [status page](https://status.example.com).",
        "We will post the next update at 15:00 UTC.",
        "The [Payments] team is on it.",  # a bracketed word is not a placeholder
    ],
)
def test_filled_in_texts_have_no_placeholders(app, text):
    assert "placeholder" not in codes(run(text))


# contradiction -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["investigating", "identified", "monitoring"])
def test_saying_resolved_while_unresolved_is_an_error(app, status):
    text = "Good news: the problem has been resolved and all systems are operational."
    found = run(text, status=status)
    assert texts_of(found, "contradiction", text) == [
        (ERROR, "page_text", "has been resolved"),
        (ERROR, "page_text", "all systems are operational"),
    ]


def test_saying_still_investigating_when_resolved_is_a_warning(app):
    text = "Payments work again, but we are still investigating."
    found = run(text, status="resolved", audience="engineering")
    assert texts_of(found, "contradiction", text) == [
        (WARNING, "page_text", "we are still investigating")
    ]


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("resolved", "The problem has been resolved. Payments are back to normal."),
        ("investigating", "We are investigating failed card payments."),
        ("monitoring", "A fix is in place and we are watching the results."),
    ],
)
def test_texts_that_match_the_status_do_not_contradict_it(app, status, text):
    assert "contradiction" not in codes(run(text, status=status))


# acknowledgement -----------------------------------------------------------------------

COLD = "Card payments fail for some merchants. Retry later. Next update by 15:00 UTC."


@pytest.mark.parametrize(("first_update", "status"), [(True, "investigating"), (False, "resolved")])
def test_a_customer_text_that_neither_acknowledges_nor_apologises(app, first_update, status):
    text = "Card payments work again." if status == "resolved" else COLD
    found = run(text, email="Card payments.", first_update=first_update, status=status)
    assert [(f.severity, f.code, f.field, f.start, f.end) for f in found] == [
        (WARNING, "no_acknowledgement", "page_text", 0, 0),
        (WARNING, "no_acknowledgement", "email_body", 0, 0),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "We're aware that card payments fail for some merchants.",
        "We are sorry: card payments fail for some merchants.",
        "We apologise for failed card payments.",
        "Merchants in the EU are affected by failed card payments.",
    ],
)
def test_acknowledging_or_apologising_is_enough(app, text):
    assert "no_acknowledgement" not in codes(run(text, first_update=True, status="investigating"))


def test_acknowledgement_is_only_asked_of_customers_on_first_and_resolved_updates(app):
    assert "no_acknowledgement" not in codes(run(COLD, first_update=False, status="identified"))
    for audience in ("press", "support", "engineering", "executives"):
        found = run(COLD, audience=audience, first_update=True, status="investigating")
        assert "no_acknowledgement" not in codes(found)


# errors block, warnings can be overridden ----------------------------------------------


def test_errors_block_and_warnings_block_until_overridden_with_a_reason(people):
    text = "Maybe human error. Next update by 15:00 UTC."
    found = [f.as_dict() for f in run(text, audience="customers")]
    assert {(f["code"], f["severity"]) for f in found} == {
        ("speculation", WARNING),
        ("blame", ERROR),
    }
    assert len(blocking(found, {})) == 2
    warning = next(f for f in found if f["severity"] == WARNING)
    key = f"{warning['code']}:{warning['field']}:{warning['start']}"
    error = next(f for f in found if f["severity"] == ERROR)
    error_key = f"{error['code']}:{error['field']}:{error['start']}"
    overrides = {key: {"reason": "Quoting the vendor"}, error_key: {"reason": "No"}}
    assert blocking(found, overrides) == [error]


def test_the_person_behind_human_error_is_blamed_too(people):
    text = "Human error by Dave on the Platform team took checkout offline."
    assert texts_of(run(text, audience="engineering"), "blame", text) == [
        (ERROR, "page_text", "Human error"),
        (ERROR, "page_text", "Dave on the Platform team"),
    ]
