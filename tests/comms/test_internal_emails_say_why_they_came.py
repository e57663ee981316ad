"""The company's own people (executives, engineers, teams) did not subscribe: staff put
them on a list. Their emails say so; a customer's says she subscribed."""

from __future__ import annotations

from app.notifier.messages import texts_message
from tests.comms.worldkit import broadcasts, declare


def test_an_escalation_and_a_roll_call_say_staff_put_the_reader_on_a_list(world):
    declare(world, "Card payments down", "major", {"Card payments": "major_outage"})
    [escalation] = broadcasts("escalation")
    roll_calls = broadcasts("roll_call")
    assert roll_calls
    for broadcast in [escalation, *roll_calls]:
        for body in (broadcast.text_body, broadcast.html_body):
            assert "you subscribed" not in body, broadcast.subject
            assert "staff put you on its" in body, broadcast.subject
    assert "put you on its executives list" in escalation.text_body


def test_a_customer_update_still_says_she_subscribed(world):
    incident = declare(world, "Card payments down", "major", {"Card payments": "major_outage"})
    message = texts_message(incident, "Subject", "Body", "SMS", "customers")
    for body in (message.text, message.html):
        assert "because you subscribed to" in body and "staff put you" not in body
