"""A capitalised word blamed for a fault is only a warning (it may be a product:
"Checkout broke after the update"), unless it is surely someone: found by a new user, whose
"John Smith made a mistake in the payment settings" and "Tom Baker forgot to renew the
certificate" could be approved with a reason. A given name, or an act only people and
companies do, makes it an error."""

from __future__ import annotations

import pytest

from app.comms.checks import ERROR, WARNING
from tests.comms.checkkit import run, texts_of


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("John Smith made a mistake in the payment settings.", "John Smith made a mistake"),
        ("John Smith broke the payment settings.", "Smith broke"),
        ("Tom Baker forgot to renew the certificate.", "Baker forgot"),
        ("Priya pushed a faulty update to checkout.", "Priya pushed a faulty"),
        # Not a name Herald knows, but the act is a person's or a company's.
        ("Zorblax deployed a broken config to the checkout service.", "Zorblax deployed a broken"),
        ("Quentara misconfigured the payment routes.", "Quentara misconfigured"),
    ],
)
def test_someone_named_as_the_agent_of_a_fault_is_an_error(app, text, words):
    found = texts_of(run(text, audience="customers"), "blame", text)
    assert found == [(ERROR, "page_text", words)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Checkout broke after the update.", "Checkout broke"),
        ("Ruby broke after the upgrade.", "Ruby broke"),
    ],
)
def test_a_word_that_may_be_a_product_is_still_a_warning(app, text, words):
    found = texts_of(run(text, audience="customers"), "blame", text)
    assert found == [(WARNING, "page_text", words)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Found by a later new user: a person named as the cause, or as the maker of the
        # thing that did the damage, passed with "No problems found".
        ("Payouts are failing because of John Smith.", "because of John Smith"),
        ("The outage was due to Priya.", "due to Priya"),
        ("A config change John Smith made stopped the payout files.", "change John Smith made"),
        ("A change made by Tom broke exports.", "change made by Tom"),
        ("The release that Tom pushed broke exports.", "release that Tom pushed"),
        # Found by a third new user: the cause said before the person's work.
        (
            "Payouts are failing after a configuration change made by John Smith.",
            "change made by John Smith",
        ),
        ("Payouts are failing after a configuration change by John Smith.", "change by John Smith"),
        (
            "Payouts stopped after John Smith's configuration change.",
            "John Smith's configuration change",
        ),
        ("Payouts are failing after a change made by J. Smith.", "change made by J. Smith"),
    ],
)
def test_someone_named_as_the_cause_is_an_error(app, text, words):
    found = texts_of(run(text, audience="customers"), "blame", text)
    assert (ERROR, "page_text", words) in found


@pytest.mark.parametrize(
    "text",
    [
        "Thanks to Priya, payouts are back.",
        "A fix made by John restored payouts.",
        "Delays this week are because of Black Friday traffic.",
        "Payouts failed until a fix by Priya restored them.",
        "John's update to the FAQ explains the workaround.",
        "After Tom's deploy at 14:00 payouts work again.",
    ],
)
def test_praise_a_fix_or_an_event_is_not_blame(app, text):
    assert texts_of(run(text, audience="customers"), "blame", text) == []
