"""SMS sign-up: the number is stored in E.164, a code is texted, and the person types it
on a page that names the pending subscriber by a signed token (never the manage token)."""

from __future__ import annotations

import re
from datetime import timedelta

from app.models import utcnow
from core.db import db
from subscribers import registry
from subscribers.links import link_token

NUMBER = "+14155550100"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def texted_code(broadcast) -> str:
    return re.search(r"enter code (\d{6})", broadcast.sms_body).group(1)


def sign_up(browser, number: str = "(415) 555-0100"):
    response = browser.sign_up("sms", number)
    assert response.status_code == 303, text_of(response)
    return response.headers["Location"]


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_the_sms_form_asks_for_a_phone_number(browser):
    html = text_of(browser.get("/subscribe?channel=sms"))
    assert '<label for="address">Mobile phone number</label>' in html
    assert 'type="tel"' in html and 'autocomplete="tel"' in html
    assert '<a href="/subscribe?channel=sms" aria-current="page">Text message</a>' in html


def test_a_sign_up_stores_the_number_in_e164_and_texts_only_a_code(
    browser, subscriber_of, confirmation_of, counts
):
    page = sign_up(browser)
    subscriber = subscriber_of(NUMBER, "sms")
    assert subscriber.state == "pending"
    confirmation = confirmation_of(subscriber)
    assert confirmation.kind == "confirm_sms"
    assert re.fullmatch(r"\d{6}", texted_code(confirmation))
    assert counts() == (1, 1, 0)

    assert page.startswith("/subscribe/sms/")
    assert subscriber.link_id not in page
    html = text_of(browser.get(page))
    assert '<label for="code">Code from the text message</label>' in html
    assert 'autocomplete="one-time-code"' in html


def test_the_right_code_confirms_and_a_wrong_one_changes_nothing(
    browser, subscriber_of, confirmation_of
):
    page = sign_up(browser)
    subscriber = subscriber_of(NUMBER, "sms")
    code = texted_code(confirmation_of(subscriber))

    refused = browser.post(page, {"code": wrong(code)})
    assert refused.status_code == 400
    assert "That code is not right." in text_of(refused)
    assert 'aria-invalid="true"' in text_of(refused)
    assert subscriber_of(NUMBER, "sms").state == "pending"

    empty = browser.post(page, {"code": "  "})
    assert "Enter the 6-digit code" in text_of(empty)

    done = browser.post(page, {"code": f"{code[:3]} {code[3:]}"})
    assert done.status_code == 200
    assert "You are subscribed" in text_of(done)
    assert f"/subscriptions/{link_token(subscriber.link_id)}" in text_of(done)
    subscriber = subscriber_of(NUMBER, "sms")
    assert subscriber.state == "active"
    assert subscriber.state_reason == "confirmed by SMS code"


def test_an_expired_code_is_refused_with_a_clear_message(browser, subscriber_of, confirmation_of):
    page = sign_up(browser)
    subscriber = subscriber_of(NUMBER, "sms")
    code = texted_code(confirmation_of(subscriber))
    subscriber.confirm_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    response = browser.post(page, {"code": code})
    assert response.status_code == 400
    assert "That code has expired; subscribe again to get a new one." in text_of(response)
    assert subscriber_of(NUMBER, "sms").state == "pending"


def test_a_forged_code_page_is_refused(browser, subscriber_of):
    page = sign_up(browser)
    response = browser.post(page[:-3] + "xyz", {"code": "123456"})
    assert response.status_code == 404
    assert "expired or is not valid" in text_of(response)
    assert subscriber_of(NUMBER, "sms").state == "pending"


def test_the_code_page_token_cannot_be_used_as_an_email_confirmation_link(browser, subscriber_of):
    page = sign_up(browser)
    token = page.rsplit("/", 1)[1]
    for response in (
        browser.get(f"/subscribe/confirm/{token}"),
        browser.post(f"/subscribe/confirm/{token}"),
    ):
        assert response.status_code == 400
        assert "not valid any more" in text_of(response)
    assert subscriber_of(NUMBER, "sms").state == "pending"


def test_signing_up_an_active_number_sends_nothing_and_reveals_nothing(
    browser, subscriber_of, counts
):
    registry.activate(registry.subscribe("sms", NUMBER), "confirmed in the test")
    db.session.commit()
    before = counts()

    page = sign_up(browser)
    assert counts() == before
    response = browser.post(page, {"code": "123456"})
    assert response.status_code == 400
    assert "That code is not right." in text_of(response)
    assert "/subscriptions/" not in text_of(response)
    assert subscriber_of(NUMBER, "sms").state == "active"
