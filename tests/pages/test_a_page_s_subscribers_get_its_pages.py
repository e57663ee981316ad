"""A viewer who subscribes on a private page hears from that page, not the public site:
the confirmation email names it and links to it, the confirm, manage and unsubscribe
pages wear its name and link back to /p/<slug>, and the components to choose from are
exactly the page's (hidden ones too)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from core.db import db
from subscribers import registry
from subscribers.links import link_token
from subscribers.models import Broadcast, Subscriber
from tests.pages.conftest import CSRF_RE

CONFIRM_RE = re.compile(r"https://status\.example\.com(/subscribe/confirm/\S+)")


def brand_link(html: str) -> str:
    return re.search(r'<a class="brand" href="([^"]+)"', html).group(1)


def choices(html: str) -> set[str]:
    """The names of the components and groups the manage form offers."""
    return set(
        re.findall(
            r'<input type="checkbox" id="[^"]+" name="(?:component|group)" '
            r'value="\d+"[^>]*>\s*<label for="[^"]+">([^<]+)</label>',
            html,
        )
    )


@pytest.fixture
def subscribed(make_page, viewer_client):
    """A viewer of Acme Corp who subscribed on its page: (browser, subscriber, the
    confirmation email)."""
    page = make_page()
    client = viewer_client(page)
    form = client.get("/p/acme/subscribe").get_data(as_text=True)
    sent = client.post("/p/acme/subscribe", data={"csrf_token": CSRF_RE.search(form).group(1)})
    assert sent.status_code == 200
    subscriber = db.session.scalar(
        select(Subscriber).where(Subscriber.audience_id == page.audience_id)
    )
    confirm = db.session.scalar(
        select(Broadcast).where(
            Broadcast.subscriber_id == subscriber.id, Broadcast.kind == "confirm_email"
        )
    )
    return client, subscriber, confirm


def test_the_confirmation_email_names_the_private_page_and_links_to_it(subscribed):
    _, _, confirm = subscribed
    assert confirm.subject == "Confirm your subscription to Acme Corp updates"
    assert confirm.text_body.startswith(
        "Please confirm that you want to receive status updates from Acme Corp, "
        "a status page of Herald Status."
    )
    assert "Open Acme Corp: https://status.example.com/p/acme" in confirm.text_body
    assert "Acme Corp" in confirm.html_body
    assert 'href="https://status.example.com/p/acme"' in confirm.html_body
    assert "entered this address on the Herald Status status page" not in confirm.html_body


def test_the_confirm_and_done_pages_are_the_private_page_s(app, subscribed):
    _, subscriber, confirm = subscribed
    path = CONFIRM_RE.search(confirm.text_body).group(1)
    stranger = app.test_client()  # an email link may open in any browser
    form = stranger.get(path).get_data(as_text=True)
    assert brand_link(form) == "/p/acme"
    assert "Press the button to get Acme Corp updates" in unescape(form)
    assert 'href="/history"' not in form and 'href="/subscribe"' not in form
    done = stranger.post(path, data={"csrf_token": CSRF_RE.search(form).group(1)})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "We will send Acme Corp updates" in unescape(html)
    assert brand_link(html) == "/p/acme"
    assert '<a href="/p/acme">Back to the status page</a>' in html
    db.session.refresh(subscriber)
    assert subscriber.state == "active"


def test_the_manage_page_offers_exactly_the_page_s_components(app, parts, subscribed):
    _, subscriber, _ = subscribed
    registry.activate(subscriber, "confirmed by email link")
    db.session.commit()
    token = link_token(subscriber.link_id)
    client = app.test_client()
    html = client.get(f"/subscriptions/{token}").get_data(as_text=True)
    assert brand_link(html) == "/p/acme"
    assert choices(html) == {"Checkout API", "Partner ledger"}  # the ledger is hidden
    assert "Other ways to hear from us" not in html
    token_field = CSRF_RE.search(html).group(1)
    saved = client.post(
        f"/subscriptions/{token}",
        data={"csrf_token": token_field, "scope": "some", "component": parts["ledger"].id},
    )
    assert saved.status_code == 303
    db.session.refresh(subscriber)
    assert [s.component_id for s in subscriber.selections] == [parts["ledger"].id]
    refused = client.post(
        f"/subscriptions/{token}",
        data={"csrf_token": token_field, "scope": "some", "component": parts["mail"].id},
    )
    assert refused.status_code == 400  # public, but not on the page


def test_unsubscribing_stays_on_the_private_page(app, subscribed):
    _, subscriber, _ = subscribed
    registry.activate(subscriber, "confirmed by email link")
    db.session.commit()
    token = link_token(subscriber.link_id)
    client = app.test_client()
    ask = client.get(f"/unsubscribe/{token}").get_data(as_text=True)
    assert brand_link(ask) == "/p/acme" and "no more Acme Corp updates" in unescape(ask)
    done = client.post(f"/unsubscribe/{token}", data={"csrf_token": CSRF_RE.search(ask).group(1)})
    html = done.get_data(as_text=True)
    assert brand_link(html) == "/p/acme"
    assert "We will send no more Acme Corp updates" in unescape(html)
    # Subscribing again happens on the page, signed in: never the public sign-up form.
    assert 'action="/subscribe"' not in html
    assert 'href="/p/acme/subscribe"' in html
    assert '<a href="/p/acme">the status page</a>' in html


def test_a_public_subscriber_keeps_the_public_pages(app, parts, make_subscriber):
    subscriber = make_subscriber("pat@example.com")
    html = app.test_client().get(f"/subscriptions/{link_token(subscriber.link_id)}")
    text = html.get_data(as_text=True)
    assert brand_link(text) == "/"
    assert choices(text) == {"Checkout API", "Newsletter"}  # the public components
    assert "Other ways to hear from us" in text
