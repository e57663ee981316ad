"""The checks on a draft's size and facts: SMS segments against the audience's limit
(GSM-7 and UCS-2), the page text's length, empty texts, the next-update time and the
ETA. Each is shown firing and not firing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.comms.checks import ERROR, WARNING
from app.comms.context import Facts
from subscribers.audiences import get_audience
from tests.comms.checkkit import LATER, NOW, codes, run

# SMS segments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sms", "limit", "segments"),
    [
        ("a" * 307, 2, 3),  # GSM-7: 153 characters a segment once split
        ("a" * 161, 1, 2),  # GSM-7: one segment holds 160
        ("ł" * 135, 2, 3),  # one character outside GSM-7: UCS-2, 67 a segment once split
        ("ł" * 71, 1, 2),  # UCS-2: one segment holds 70
        ("Outage 🚨 " + "a" * 62, 1, 2),  # an emoji is two UCS-2 units
        ("€" * 81, 1, 2),  # GSM-7 extended characters count twice
    ],
)
def test_an_sms_over_the_audience_limit_is_an_error_over_the_whole_text(app, sms, limit, segments):
    found = [f for f in run(sms=sms, sms_max_segments=limit) if f.code == "sms_too_long"]
    assert [(f.severity, f.field, f.start, f.end) for f in found] == [
        (ERROR, "sms_text", 0, len(sms))
    ]
    assert f"{segments} segments" in found[0].message
    assert f"allows {limit}" in found[0].message


@pytest.mark.parametrize(
    ("sms", "limit"),
    [
        ("a" * 306, 2),
        ("a" * 160, 1),
        ("ł" * 134, 2),
        ("ł" * 70, 1),
        ("€" * 80, 1),
        ("", 1),  # no SMS text: nothing to send by SMS
    ],
)
def test_an_sms_within_the_limit_passes(app, sms, limit):
    assert "sms_too_long" not in codes(run(sms=sms, sms_max_segments=limit))


def test_the_limits_come_from_the_audience(app, audiences):
    customers = get_audience("customers")
    assert customers.sms_max_segments >= 1 and customers.page_max_chars >= 280
    sms = "a" * (153 * customers.sms_max_segments + 1)
    found = run(sms=sms, sms_max_segments=customers.sms_max_segments)
    assert "sms_too_long" in codes(found)


# page length ---------------------------------------------------------------------------


def test_a_page_text_over_the_audience_length_is_an_error_pointing_past_the_limit(app):
    page = "Payments are failing. " + "x" * 600
    found = [f for f in run(page, page_max_chars=500) if f.code == "page_too_long"]
    assert [(f.severity, f.field, f.start, f.end) for f in found] == [
        (ERROR, "page_text", 500, len(page))
    ]
    assert f"{len(page)} characters" in found[0].message


def test_a_page_text_at_the_limit_passes(app):
    assert "page_too_long" not in codes(run("x" * 500, page_max_chars=500))


# empty texts ---------------------------------------------------------------------------


def test_an_empty_page_text_or_subject_is_an_error(app):
    found = run("  ", subject="")
    assert [(f.severity, f.code, f.field) for f in found if f.code == "empty"] == [
        (ERROR, "empty", "page_text"),
        (ERROR, "empty", "email_subject"),
    ]
    assert "empty" not in codes(run("Payments fail.", subject="Payments"))


@pytest.mark.parametrize(
    ("subject", "what"),
    [
        ("Payments down\nfor everyone", "a line break"),
        ("Payments down\r", "a line break"),
        ("Payments\u2028down", "a line break"),
        ("Payments\tdown", "a tab"),
        ("Payments\x07down", "a control character (U+0007"),
    ],
)
def test_a_subject_that_is_not_one_line_is_an_error(app, subject, what):
    # A rendered staff template can produce one; no email could be built from it.
    found = [f for f in run(subject=subject) if f.code == "subject_not_one_line"]
    assert [(f.severity, f.field, f.end - f.start) for f in found] == [(ERROR, "email_subject", 1)]
    assert what in found[0].message and "one line" in found[0].message
    assert subject[found[0].start] not in "Payments down"


def test_line_breaks_in_bodies_are_fine(app):
    found = run("Payments fail.\n\nMore soon.", email="Hello,\n\nPayments fail.\n", sms="A\nB")
    assert "subject_not_one_line" not in codes(found)


# the next update -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["investigating", "identified", "monitoring"])
def test_an_unresolved_update_without_a_next_update_time_is_warned(app, status):
    found = run("Payments fail.", status=status, facts=Facts())
    assert [(f.severity, f.field) for f in found if f.code == "no_next_update"] == [
        (WARNING, "facts")
    ]


def test_a_time_in_the_fact_sheet_that_the_text_no_longer_shows_is_warned(app):
    # The lead replaced the template's "We'll post our next update by …" line: readers
    # are told nothing, whatever the fact sheet says.
    found = run("We'll post another update as soon as we know more.", facts=Facts(LATER))
    assert "no_next_update" in codes(found)


@pytest.mark.parametrize(
    "text",
    [
        "We'll post our next update by 28 Nov 2026, 15:00 UTC.",
        "**Next update:** by 28 Nov 2026, 15:00 UTC",
        "We will provide a further update by 15:00 UTC.",
        "We'll update this page every 30 minutes until this is fixed.",
        "Expect our next update at 4:30pm GMT.",
        "We will share more within the hour.",
    ],
)
def test_a_next_update_the_reader_sees_needs_no_time_in_the_fact_sheet(app, text):
    assert "no_next_update" not in codes(run(text, facts=Facts()))


@pytest.mark.parametrize(
    "text",
    [
        "Payments fail in the app. The next update to our app, due on 3 December, fixes it.",
        "Payments failed between 14:00 and 14:30 UTC.",
        "We expect service back by 16:00 UTC.",  # an ETA, not when we speak next
    ],
)
def test_a_time_that_is_not_a_next_update_is_not_one(app, text):
    assert "no_next_update" in codes(run(text, facts=Facts(next_update_at=LATER)))


def test_a_resolution_needs_no_next_update(app):
    assert "no_next_update" not in codes(
        run("Payments work again. We are sorry.", status="resolved", facts=Facts())
    )


def test_a_next_update_time_in_the_past_is_warned(app):
    found = run(facts=Facts(next_update_at=NOW - timedelta(minutes=5)))
    assert [(f.severity, f.code) for f in found] == [(WARNING, "next_update_past")]


# the ETA -------------------------------------------------------------------------------


def test_an_eta_in_the_past_is_warned(app):
    found = run(facts=Facts(eta=NOW - timedelta(minutes=1), next_update_at=LATER))
    assert [(f.severity, f.code, f.field) for f in found] == [(WARNING, "eta_past", "facts")]


@pytest.mark.parametrize(
    ("eta", "status"),
    [
        (NOW + timedelta(minutes=30), "identified"),
        (None, "identified"),
        (NOW - timedelta(hours=1), "resolved"),  # it was the ETA; it no longer matters
    ],
)
def test_a_future_eta_no_eta_or_a_resolved_incident_is_fine(app, eta, status):
    text = "Payments work again. We are sorry." if status == "resolved" else "Payments fail."
    found = run(text, status=status, facts=Facts(eta=eta, next_update_at=LATER))
    assert "eta_past" not in codes(found)


def test_a_clean_customer_update_has_no_findings(app):
    page = (
        "We're sorry: some card payments in the EU are failing. Retrying the payment "
        "usually works. We'll post the next update by 15:00 UTC."
    )
    sms = "Brightwave: some card payments fail. Retry the payment. Next update 15:00 UTC."
    found = run(page, email=page, sms=sms, first_update=True, status="investigating")
    assert found == []
