"""The drill's check (bench/drillkit/check.py) catches what it is there to catch: a text
for another audience, a missing or doubled message, a team told all-clear when it should
be asked, a roll call that does not name the component, a message to a stranger."""

from __future__ import annotations

from bench.drillkit import check
from bench.drillkit.seed import APPROVER, Person

CUSTOMER = Person("email", "c@drill.example", "customers")
PRESS = Person("sms", "+14152010001", "press")
PAYMENTS = Person("email", "pay@drill.example", "engineering", "Payments")
SEARCH = Person("email", "search@drill.example", "engineering", "Search")
PEOPLE = [CUSTOMER, PRESS, PAYMENTS, SEARCH]
PHASES = {"Payments": ["roll_call"], "Search": ["all_clear"]}
SHEETS = [
    {
        audience: {
            "email_subject": f"Card payments failing ({audience})",
            "email_body": f"Words for {audience}. Details: https://x.example/a",
            "sms_text": f"Drill: words for {audience} [%unsubscribe_url%]",
        }
        for audience in ("customers", "press", "engineering")
    }
]
ROLL_CALL = "Roll call for Payments: are your services affected by Card payments failing?"
ALL_CLEAR = "Search: your services are operational (Card payments failing)"
BROADCASTS = [
    {
        "id": 1,
        "kind": "roll_call",
        "audience": "engineering",
        "team": "Payments",
        "subject": ROLL_CALL,
        "text": "Please check.\n\n- Card payments: Major outage, caused by this incident",
        "sms": "roll call sms",
    },
    {
        "id": 2,
        "kind": "all_clear",
        "audience": "engineering",
        "team": "Search",
        "subject": ALL_CLEAR,
        "text": "Your services are operational.",
        "sms": "all clear sms",
    },
    {
        "id": 3,
        "kind": "approval_request",
        "audience": "staff",
        "team": None,
        "subject": "Drafts wait for your approval",
        "text": "Please review.",
        "sms": "",
    },
]
NAMES = {"Payments": {"roll_call": [("Card payments", "Major outage")]}}


def text_of(audience: str, address: str) -> check.Received:
    draft = SHEETS[0][audience]
    link = f"https://status.example/unsubscribe/{address}"
    return check.Received(
        "email", address, draft["email_subject"], f"{draft['email_body']}\n\n--\nUnsub: {link}"
    )


def sms_of(audience: str, number: str) -> check.Received:
    text = SHEETS[0][audience]["sms_text"].replace("[%unsubscribe_url%]", "https://s.example/u/1")
    return check.Received("sms", number, "", text)


def notice(address: str, broadcast: dict) -> check.Received:
    return check.Received("email", address, broadcast["subject"], broadcast["text"])


def everything_right() -> list[check.Received]:
    return [
        text_of("customers", CUSTOMER.address),
        sms_of("press", PRESS.address),
        text_of("engineering", PAYMENTS.address),
        notice(PAYMENTS.address, BROADCASTS[0]),
        text_of("engineering", SEARCH.address),
        notice(SEARCH.address, BROADCASTS[1]),
        notice(APPROVER, BROADCASTS[2]),
    ]


def problems(received: list[check.Received]) -> list[str]:
    known = check.known_messages(SHEETS, BROADCASTS)
    found = check.compare(
        received, PEOPLE, known, updates=1, team_phases=PHASES, escalated=set()
    ).problems
    return found + check.team_truth(received, PEOPLE, NAMES)


def test_a_drill_where_everyone_got_their_own_words_has_no_problems():
    assert problems(everything_right()) == []


def test_the_press_text_sent_to_a_customer_is_caught_as_wrong_and_as_missing():
    received = everything_right()
    received[0] = text_of("press", CUSTOMER.address)
    found = problems(received)
    assert any("c@drill.example" in p and "not for them" in p and "press" in p for p in found)
    assert any("c@drill.example" in p and "missing" in p and "customers" in p for p in found)


def test_a_text_received_twice_is_caught():
    found = problems([*everything_right(), sms_of("press", PRESS.address)])
    assert found == ["+14152010001 (press): not for them ('update', 0, 'press') ×1"]


def test_an_all_clear_to_a_team_that_should_be_asked_is_caught():
    received = everything_right()
    received[3] = notice(
        PAYMENTS.address, {**BROADCASTS[1], "subject": ALL_CLEAR.replace("Search", "Payments")}
    )
    found = problems(received)
    assert any(
        "pay@drill.example" in p and "missing ('team', 'Payments', 'roll_call')" in p for p in found
    )


def test_a_roll_call_that_does_not_name_the_component_and_its_status_is_caught():
    received = everything_right()
    received[3] = check.Received("email", PAYMENTS.address, ROLL_CALL, "Please check.")
    found = problems(received)
    assert any("does not say 'Card payments' is 'Major outage'" in p for p in found)


def test_a_message_to_an_address_nobody_subscribed_is_caught_but_staff_notices_are_not():
    found = problems([*everything_right(), text_of("customers", "stranger@drill.example")])
    assert len(found) == 1 and "stranger@drill.example" in found[0]
