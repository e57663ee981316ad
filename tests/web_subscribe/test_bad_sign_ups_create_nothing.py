"""Bad sign-up input gets a clear message tied to its field and creates nothing; too
many sign-ups from one client address get 429."""

from __future__ import annotations

import re

import pytest


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("channel", "address", "message"),
    [
        ("email", "", "Enter your email address."),
        ("email", "not-an-email", "That email address is not valid"),
        ("email", "ada@@example.com", "That email address is not valid"),
        ("sms", "", "Enter your mobile phone number."),
        ("sms", "12", "is not a valid phone number."),
        ("sms", "call me", "is not a phone number. Use the international format"),
        ("webhook", "", "Enter the webhook URL."),
        ("webhook", "ftp://example.com/hook", "Webhook URLs must start with https://."),
        ("webhook", "https://", "That webhook URL has no host."),
        ("webhook", "https://me:pw@example.com/", "cannot carry a user name or password"),
    ],
)
def test_a_bad_address_gets_a_message_on_its_field_and_creates_nothing(
    browser, counts, channel, address, message
):
    response = browser.sign_up(channel, address)
    html = text_of(response)
    assert response.status_code == 400
    assert message in html
    assert '<h2 id="error-summary-h">There is a problem</h2>' in html
    assert re.search(r'<p class="error-message" id="address-error">.*' + re.escape(message), html)
    field = re.search(r'<input id="address"[^>]*>', html).group(0)
    assert 'aria-describedby="address-hint address-error"' in field
    assert 'aria-invalid="true"' in field
    assert f'name="channel" value="{channel}"' in html
    assert counts() == (0, 0, 0)


def test_the_typed_address_is_kept_and_escaped(browser):
    html = text_of(browser.sign_up("email", '"><b>x'))
    assert 'value="&#34;&gt;&lt;b&gt;x"' in html
    assert "<b>x" not in html


def test_choosing_only_some_components_needs_at_least_one(browser, make_component, counts):
    make_component("API")
    response = browser.sign_up("email", "ada@example.com", scope="some")
    assert response.status_code == 400
    assert "Tick at least one component or group" in text_of(response)
    assert 'id="components-error"' in text_of(response)
    assert counts() == (0, 0, 0)


def test_internal_or_unknown_components_cannot_be_chosen(browser, make_component, counts):
    secret = make_component("Secret database", visibility="internal")
    for value in (str(secret.id), "99999", "api"):
        response = browser.sign_up("email", "ada@example.com", scope="some", component=value)
        assert response.status_code == 400
        assert "Choose components from the list." in text_of(response)
    assert counts() == (0, 0, 0)


def test_an_unknown_channel_is_refused(browser, counts):
    response = browser.sign_up("fax", "+14155550100")
    assert response.status_code == 400
    assert counts() == (0, 0, 0)


def test_a_sign_up_without_the_csrf_token_is_refused(app, counts):
    response = app.test_client().post(
        "/subscribe", data={"channel": "email", "address": "ada@example.com", "scope": "all"}
    )
    assert response.status_code == 400
    assert "Form expired or forged" in text_of(response)
    assert counts() == (0, 0, 0)


def test_too_many_sign_ups_from_one_address_get_429_with_a_message(app, browser, counts):
    app.config["SUBSCRIBE_RATE"] = "2 per minute"
    for n in range(2):
        assert browser.sign_up("email", f"person{n}@example.com").status_code == 303
    blocked = browser.sign_up("email", "person2@example.com")
    assert blocked.status_code == 429
    assert "Too many sign-ups from your network. Wait a few minutes and try again." in text_of(
        blocked
    )
    assert counts() == (2, 2, 0)
    assert browser.get("/subscribe").status_code == 200  # reading the form is not limited

    elsewhere = browser.post(
        "/subscribe",
        {"channel": "email", "address": "person3@example.com", "scope": "all"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert elsewhere.status_code == 303
    assert counts() == (3, 3, 0)


def test_every_problem_is_listed_at_once_in_page_order(browser, make_component, counts):
    make_component("API")
    html = text_of(browser.sign_up("email", "not-an-email", scope="some"))
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert re.findall(r'<a href="#([\w-]+)">', summary) == ["address", "scope-all"]
    assert counts() == (0, 0, 0)
