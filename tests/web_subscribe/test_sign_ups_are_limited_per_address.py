"""One address (an email address or a phone number, however it is written) gets a
bounded number of confirmations, whichever client addresses the sign-ups come from; a
typed SMS code gets a bounded number of tries."""

from __future__ import annotations

import re

import pytest

NUMBER = "+14155550100"
SPELLINGS = ["(415) 555-0100", "+1 415 555 0100", "+14155550100", "415.555.0100"]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def from_ip(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.51.100.{n}"}}


@pytest.fixture
def low_limit(app):
    app.config["SUBSCRIBE_ADDRESS_RATE"] = "2 per hour"


def test_one_email_address_cannot_be_flooded_from_many_networks(browser, counts, low_limit):
    for n, spelling in enumerate(["victim@example.com", "Victim@Example.com"]):
        assert browser.sign_up("email", spelling, **from_ip(n)).status_code == 303
    before = counts()
    assert before == (1, 2, 0)

    blocked = browser.sign_up("email", " VICTIM@example.com ", **from_ip(9))
    assert blocked.status_code == 429
    assert "Too many sign-ups for this address" in text_of(blocked)
    assert counts() == before

    other = browser.sign_up("email", "someone@example.com", **from_ip(9))
    assert other.status_code == 303


def test_one_phone_number_gets_a_bounded_number_of_codes_from_many_networks(
    browser, counts, low_limit
):
    for n, spelling in enumerate(SPELLINGS[:2]):
        assert browser.sign_up("sms", spelling, **from_ip(n)).status_code == 303
    before = counts()
    for n, spelling in enumerate(SPELLINGS[2:], start=10):
        blocked = browser.sign_up("sms", spelling, **from_ip(n))
        assert blocked.status_code == 429
        assert "Too many sign-ups for this address" in text_of(blocked)
    assert counts() == before


def test_bad_addresses_are_not_counted_and_get_their_own_message(browser, counts, low_limit):
    for n in range(3):
        response = browser.sign_up("sms", "12", **from_ip(n))
        assert response.status_code == 400
        assert "Too many" not in text_of(response)
    assert counts() == (0, 0, 0)


def texted_code(confirmation_of, subscriber) -> str:
    return re.search(r"enter code (\d{6})", confirmation_of(subscriber).sms_body).group(1)


def test_code_guesses_from_many_networks_stop_at_the_bound_even_for_the_right_code(
    browser, subscriber_of, confirmation_of
):
    page = browser.sign_up("sms", NUMBER).headers["Location"]
    code = texted_code(confirmation_of, subscriber_of(NUMBER, "sms"))
    wrong = "000000" if code != "000000" else "111111"
    for n in range(5):
        assert browser.post(page, {"code": wrong}, **from_ip(n)).status_code == 400
    for n, guess in enumerate([wrong, code], start=20):
        blocked = browser.post(page, {"code": guess}, **from_ip(n))
        assert blocked.status_code == 429
        assert "Too many wrong codes for this number" in text_of(blocked)
    assert subscriber_of(NUMBER, "sms").state == "pending"

    # A new sign-up texts a new code, and that one has its own tries.
    page = browser.sign_up("sms", NUMBER).headers["Location"]
    code = texted_code(confirmation_of, subscriber_of(NUMBER, "sms"))
    assert browser.post(page, {"code": code}).status_code == 200
    assert subscriber_of(NUMBER, "sms").state == "active"
