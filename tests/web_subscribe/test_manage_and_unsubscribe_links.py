"""The links every message carries: /subscriptions/<token> changes what a subscriber
gets, /unsubscribe/<token> asks on GET and unsubscribes on POST, including the RFC 8058
one-click POST that comes with no cookies and no CSRF token."""

from __future__ import annotations

import pytest

from core.db import db
from subscribers import registry
from subscribers.links import link_token


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def active(app):
    subscriber = registry.activate(
        registry.subscribe("email", "bo@example.com"), "confirmed in the test"
    )
    db.session.commit()
    return subscriber


@pytest.fixture
def reload(app):
    def load(subscriber):
        db.session.expire_all()
        return db.session.get(type(subscriber), subscriber.id)

    return load


def test_the_manage_page_shows_the_address_state_and_choices(browser, active, make_component):
    make_component("API", group="Platform")
    response = browser.get(f"/subscriptions/{link_token(active.link_id)}")
    html = text_of(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in html
    assert "<dt>Email</dt><dd>bo@example.com</dd>" in html
    assert "<dt>State</dt><dd>Active</dd>" in html
    assert 'id="scope-all" name="scope" value="all" checked' in html
    assert "All of Platform" in html
    assert f'action="/unsubscribe/{link_token(active.link_id)}"' in html
    assert '<a href="/subscribe?channel=sms">text message</a>' in html


def test_the_manage_page_changes_the_selection(browser, active, make_component, reload):
    api = make_component("API", group="Platform")
    make_component("Billing")
    path = f"/subscriptions/{link_token(active.link_id)}"
    browser.get(path)

    saved = browser.post(path, {"scope": "some", "component": str(api.id)})
    assert saved.status_code == 303
    assert "Your choices are saved." in text_of(browser.get(saved.headers["Location"]))
    subscriber = reload(active)
    assert not subscriber.all_components
    assert [s.component_id for s in subscriber.selections] == [api.id]

    browser.post(path, {"scope": "some", "group": str(api.group_id)})
    subscriber = reload(active)
    assert [(s.component_id, s.group_id) for s in subscriber.selections] == [(None, api.group_id)]

    browser.post(path, {"scope": "all", "component": str(api.id)})
    subscriber = reload(active)
    assert subscriber.all_components and subscriber.selections == []


def test_the_manage_page_refuses_a_bad_choice_and_keeps_the_old_one(
    browser, active, make_component, reload
):
    secret = make_component("Secret database", visibility="internal")
    path = f"/subscriptions/{link_token(active.link_id)}"
    browser.get(path)
    response = browser.post(path, {"scope": "some", "component": str(secret.id)})
    assert response.status_code == 400
    assert "Choose components from the list." in text_of(response)
    assert reload(active).all_components


def test_choices_the_page_does_not_show_are_kept(browser, active, make_component, reload):
    api = make_component("API")
    internal = make_component("Secret database", visibility="internal")
    registry.set_selection(active, [internal.id])
    db.session.commit()
    path = f"/subscriptions/{link_token(active.link_id)}"
    browser.get(path)
    browser.post(path, {"scope": "some", "component": str(api.id)})
    assert sorted(s.component_id for s in reload(active).selections) == sorted(
        [api.id, internal.id]
    )


def test_an_unknown_token_gets_a_404_page(browser):
    for path in ("/subscriptions/nope", "/unsubscribe/nope"):
        response = browser.get(path)
        assert response.status_code == 404
        assert "This link is not valid" in text_of(response)
    assert browser.client.post("/unsubscribe/nope").status_code == 404


def test_a_get_on_the_unsubscribe_link_only_asks(browser, active, reload):
    for _ in range(3):
        response = browser.get(f"/unsubscribe/{link_token(active.link_id)}")
        assert response.status_code == 200
        assert "Unsubscribe?" in text_of(response)
        form = f'<form method="post" action="/unsubscribe/{link_token(active.link_id)}">'
        assert form in text_of(response)
    assert reload(active).state == "active"


def test_a_one_click_post_with_no_cookie_and_no_csrf_token_unsubscribes(app, active, reload):
    provider = app.test_client(use_cookies=False)
    response = provider.post(
        f"/unsubscribe/{link_token(active.link_id)}",
        data={"List-Unsubscribe": "One-Click"},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in text_of(response)
    subscriber = reload(active)
    assert subscriber.state == "unsubscribed"
    assert subscriber.state_reason == "one-click unsubscribe (RFC 8058)"


def test_the_unsubscribe_button_works_and_offers_to_subscribe_again(browser, active, reload):
    browser.get(f"/unsubscribe/{link_token(active.link_id)}")
    response = browser.post(f"/unsubscribe/{link_token(active.link_id)}")
    html = text_of(response)
    assert "You are unsubscribed" in html
    assert "Unsubscribed by mistake?" in html
    assert reload(active).state == "unsubscribed"
    again = browser.get(f"/unsubscribe/{link_token(active.link_id)}")
    assert "You are already unsubscribed" in text_of(again)
    assert "<dt>State</dt><dd>Unsubscribed</dd>" in text_of(
        browser.get(f"/subscriptions/{link_token(active.link_id)}")
    )


def test_subscribing_again_after_unsubscribing_asks_for_confirmation_again(
    browser, active, reload, confirmation_of
):
    html = text_of(browser.post(f"/unsubscribe/{link_token(active.link_id)}"))
    assert 'name="address" value="bo@example.com"' in html
    again = browser.post("/subscribe", {"channel": "email", "address": "bo@example.com"})
    assert again.status_code == 303
    subscriber = reload(active)
    assert subscriber.state == "pending"
    assert confirmation_of(subscriber).kind == "confirm_email"


def test_the_links_in_messages_are_the_ones_these_pages_serve(browser, active):
    links = registry.links_for(active)
    assert (
        links["manage"] == f"https://status.example.com/subscriptions/{link_token(active.link_id)}"
    )
    assert (
        links["unsubscribe"]
        == f"https://status.example.com/unsubscribe/{link_token(active.link_id)}"
    )
    for link in links.values():
        assert browser.get(link.removeprefix("https://status.example.com")).status_code == 200
