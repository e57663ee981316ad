"""A resolved update that still tells the outage as happening now: found by a new user,
whose resolved customers email said "Who was affected: Merchants cannot use the API …
card payments … fail" (the fact carried over from the update before). A warning, as the
other contradictions of the status are; the sentences that tell it in the past, under a
condition, negated or as a safeguard are not flagged."""

from __future__ import annotations

import pytest

from app.comms.checks import WARNING
from tests.comms.checkkit import run, texts_of

CARRIED = (
    "We're sorry for the disruption. Card payments work normally again.\n\n"
    "**Who was affected:** Merchants cannot use the API, and about one in ten card "
    "payments fail."
)


def test_a_resolved_text_that_says_the_outage_is_happening_is_a_contradiction(app):
    findings = run(CARRIED, status="resolved")
    assert texts_of(findings, "contradiction", CARRIED) == [
        (WARNING, "page_text", "cannot"),
        (WARNING, "page_text", "fail"),
    ]
    message = next(f.message for f in findings if f.code == "contradiction")
    assert "the incident is resolved" in message and "past tense" in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Sorry for the trouble. Customers can't sign in to the app.", "can't"),
        ("We apologise. The dashboard is not working for some users.", "not working"),
        ("We apologise. Some customers are unable to log in.", "are unable to"),
        ("We're sorry. The API is unavailable in the EU.", "is unavailable"),
        ("We're sorry. Checkout is down for shoppers in France.", "is down"),
        ("We're sorry. Card payments are failing at checkout.", "are failing"),
    ],
)
def test_each_present_tense_outage_is_found(app, text, words):
    found = texts_of(run(text, status="resolved"), "contradiction", text)
    assert found == [(WARNING, "page_text", words)]


@pytest.mark.parametrize(
    "text",
    [
        "We're sorry: card payments were failing between 13:00 and 13:40 UTC.",
        "We apologise. Merchants could not use the API for 40 minutes.",
        "We're sorry. Earlier today merchants cannot use the API.",
        "We're sorry. Card payments fail until 14:05 UTC, when the fix went out.",
        "We're sorry. If payments fail again, contact our support team.",
        "We're sorry. Card payments no longer fail.",
        "We're sorry. We are adding checks so that a change like this cannot reach "
        "production again.",
        "We're sorry. Availability stayed above 99.9% and payments work normally.",
    ],
)
def test_a_sentence_told_in_the_past_or_about_the_future_is_not_flagged(app, text):
    assert texts_of(run(text, status="resolved"), "contradiction", text) == []


def test_an_unresolved_update_may_say_the_outage_is_happening(app):
    text = "Merchants cannot use the API. We will post the next update by 15:00 UTC."
    assert texts_of(run(text, status="identified"), "contradiction", text) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Found by a new user: the remedy and the wait carried into the resolved texts.
        ("We're sorry. A faulty change broke payouts. We are undoing it now.", "We are undoing"),
        (
            "We're sorry. Merchants will not receive payouts until this is fixed.",
            "until this is fixed",
        ),
        ("Sorry. Our engineers are rolling back the change.", "Our engineers are rolling back"),
        ("We apologise. We're working on a fix.", "We're working on a fix"),
        ("We apologise. The team is still deploying a fix.", "The team is still deploying a fix"),
        ("Sorry. Exports are delayed until we restore the queue.", "until we restore"),
        # Found by a later new user: the same, in other words.
        ("We're sorry. A fix is in progress.", "fix is in progress"),
        (
            "Sorry. You will not get payouts until the rollback is done.",
            "until the rollback is done",
        ),
        ("Sorry. Payouts will resume once the fix is deployed.", "once the fix is deployed"),
        ("We're sorry. Payouts remain delayed.", "remain delayed"),
    ],
)
def test_work_on_the_fault_told_as_going_on_is_a_contradiction(app, text, words):
    found = texts_of(run(text, status="resolved"), "contradiction", text)
    assert (WARNING, "page_text", words) in found


@pytest.mark.parametrize(
    "text",
    [
        "We're sorry. We undid the change at 14:05 UTC and payouts work normally.",
        "We're sorry. We are reviewing how this happened and will share what we learn.",
        "We're sorry. Payouts were delayed until it was fixed at 14:05 UTC.",
        "We're sorry. We are working on a full review of our change process.",
        "We're sorry. Payouts were delayed until the rollback was done at 14:05 UTC.",
        "We're sorry. Payouts work normally again; the fix is live.",
    ],
)
def test_work_done_or_a_review_to_come_is_not_flagged(app, text):
    assert texts_of(run(text, status="resolved"), "contradiction", text) == []
