"""SMS segment counting (what carriers bill and what HERALD_SMS_RATE paces)."""

from __future__ import annotations

import pytest

from subscribers.channels.segments import MAX_BODY, encoding, is_gsm7, segment_count
from subscribers.channels.sms import sms_text
from tests.fakes.twilio import segments as twilio_segments
from tests.subscribers.channelkit import content, outgoing

CASES = [
    ("", 0, "GSM-7"),
    ("a", 1, "GSM-7"),
    ("a" * 160, 1, "GSM-7"),
    ("a" * 161, 2, "GSM-7"),
    ("a" * 306, 2, "GSM-7"),
    ("a" * 307, 3, "GSM-7"),
    ("a" * 459, 3, "GSM-7"),
    ("a" * 460, 4, "GSM-7"),
    ("Line one\nLine two: £5 @ 10:00 ¿ñ?", 1, "GSM-7"),
    # Extension characters take two units.
    ("€" * 80, 1, "GSM-7"),
    ("€" * 81, 2, "GSM-7"),
    ("a" * 159 + "^", 2, "GSM-7"),
    ("a" * 158 + "{", 1, "GSM-7"),
    ("[]{}|~\\^€", 1, "GSM-7"),
    ("[" * 153, 2, "GSM-7"),  # 306 units
    ("[" * 154, 3, "GSM-7"),
    # One character outside GSM-7 makes the whole message UCS-2.
    ("ł" * 70, 1, "UCS-2"),
    ("ł" * 71, 2, "UCS-2"),
    ("ł" * 134, 2, "UCS-2"),
    ("ł" * 135, 3, "UCS-2"),
    ("a" * 100 + "’", 2, "UCS-2"),
    ("a" * 69 + "…", 1, "UCS-2"),
    # Emoji lie outside the BMP: two UTF-16 units each.
    ("🚨" * 35, 1, "UCS-2"),
    ("🚨" * 36, 2, "UCS-2"),
    ("a" * 69 + "🚨", 2, "UCS-2"),
    ("🚨" * 67, 2, "UCS-2"),  # 134 units
    ("🚨" * 68, 3, "UCS-2"),
]


@pytest.mark.parametrize(("text", "count", "kind"), CASES, ids=range(len(CASES)))
def test_segment_count(text, count, kind):
    assert segment_count(text) == count
    assert encoding(text) == kind
    assert is_gsm7(text) == (kind == "GSM-7")
    assert twilio_segments(text) == count  # the fake bills as Herald counts


def test_an_sms_is_cut_at_1600_characters(app):
    [item] = outgoing(["+14155550100"])
    text = sms_text(content(sms="x" * 2000), item)
    assert len(text) == MAX_BODY == 1600
