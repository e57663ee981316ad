"""A next-update time typed into the text that has already passed is a promise nobody
can keep (found by a new user: "Our next update will be at 19:00 UTC", written at 19:24,
satisfied the "no next update" check and nothing said it had passed)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.comms.checks import check_texts
from app.comms.context import Facts
from app.comms.next_update import passed_next_updates

NOW = datetime(2026, 12, 7, 19, 24, tzinfo=UTC)


def test_a_promised_time_already_past_is_found():
    assert passed_next_updates("Our next update will be at 19:00 UTC.", NOW, UTC) == ["19:00 UTC"]
    assert passed_next_updates("Next update by 7 Dec 2026, 18:30 UTC.", NOW, UTC) == [
        "7 Dec 2026, 18:30 UTC"
    ]


def test_times_to_come_and_times_that_are_not_promises_are_not():
    assert passed_next_updates("Our next update will be at 20:00 UTC.", NOW, UTC) == []
    # Said late in the day, an early time means tomorrow.
    assert passed_next_updates("Next update by 08:00 UTC.", NOW, UTC) == []
    assert passed_next_updates("Next update by 8 Dec 2026, 08:00 UTC.", NOW, UTC) == []
    # A past time that is not a promise: when the problem started.
    assert passed_next_updates("Payments failed from 18:40 UTC.", NOW, UTC) == []


def _check(page: str):
    return {
        f.code: f
        for f in check_texts(
            {"page_text": page, "email_subject": "Payouts", "email_body": "", "sms_text": ""},
            audience_key="customers",
            tone="plain",
            status="investigating",
            facts=Facts(summary="Payouts are not being sent."),
            first_update=False,
            sms_max_segments=2,
            page_max_chars=1500,
            now=NOW,
        )
    }


def test_the_draft_check_warns_about_it(app, audiences):
    page = "Payouts are not being sent. Our next update will be at 19:00 UTC."
    codes = _check(page)
    assert "no_next_update" not in codes
    assert "19:00 UTC, which has passed" in codes["next_update_text_past"].message
    assert "next_update_text_past" not in _check(page.replace("19:00", "20:00"))
