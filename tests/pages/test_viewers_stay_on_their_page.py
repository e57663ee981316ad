"""A viewer of a private page stays on it: nothing on the page leads out to the public
site, a subscribed viewer is told so instead of offered Subscribe again, a cancelled
subscription's confirmation link and a missing address under the page keep the page's
frame, and German tells unsubscribing apart from signing out."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.incidents.services import declare_incident
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from core.db import db
from subscribers.links import link_token
from subscribers.models import Broadcast, Subscriber
from tests.pages.conftest import CSRF_RE

CONFIRM_RE = re.compile(r"https://status\.example\.com(/subscribe/confirm/\S+)")
HREF_RE = re.compile(r'href="([^"]*)"')
GERMAN = {"Accept-Language": "de"}


def brand_link(html: str) -> str:
    return re.search(r'<a class="brand" href="([^"]+)"', html).group(1)


def subscribe(client, page, headers=None) -> tuple[Subscriber, str]:
    """Subscribe the signed-in viewer on its page: its subscriber and the path of the
    confirmation link emailed to it."""
    form = client.get(f"/p/{page.slug}/subscribe").get_data(as_text=True)
    sent = client.post(
        f"/p/{page.slug}/subscribe",
        data={"csrf_token": CSRF_RE.search(form).group(1)},
        headers=headers,
    )
    assert sent.status_code == 200
    subscriber = db.session.scalar(
        select(Subscriber).where(Subscriber.audience_id == page.audience_id)
    )
    body = db.session.scalar(
        select(Broadcast.text_body).where(
            Broadcast.subscriber_id == subscriber.id, Broadcast.kind == "confirm_email"
        )
    )
    return subscriber, CONFIRM_RE.search(body).group(1)


def confirm(client, path: str) -> None:
    form = client.get(path).get_data(as_text=True)
    done = client.post(path, data={"csrf_token": CSRF_RE.search(form).group(1)})
    assert done.status_code == 200, done.get_data(as_text=True)


def test_nothing_on_the_private_page_leads_to_the_public_site(parts, make_page, viewer_client):
    client = viewer_client(make_page())
    yesterday = declare_incident(
        None,
        "Ledger sync delayed",
        "minor",
        {parts["ledger"]: "degraded_performance"},
        body="Ledger entries arrive late.",
        reviewed=True,
        started_at=utcnow() - timedelta(days=1),
    )
    declare_incident(
        None,
        "Checkout errors",
        "major",
        {parts["api"]: "partial_outage"},
        body="Some payments fail.",
        reviewed=True,
    )
    start = utcnow() + timedelta(days=2)
    schedule_maintenance(
        None, "Ledger upgrade", start, start + timedelta(hours=1), [parts["ledger"]], body="Up."
    )
    db.session.commit()
    html = client.get("/p/acme").get_data(as_text=True)
    assert "Checkout errors" in html and "Ledger upgrade" in html and yesterday.public_id
    hrefs = HREF_RE.findall(html)
    outside = [
        href
        for href in hrefs
        if not (
            href == "/p/acme"
            or href.startswith(("/p/acme/", "#", "/static/"))
            or href in ("/theme.css", "/logo")
        )
    ]
    assert outside == []
    # The titles lead to their own updates on the page.
    for match in re.finditer(r'<h3><a href="#([^"]+)">', html):
        assert f'id="{match.group(1)}"' in html
    assert len(re.findall(r'<h3><a href="#', html)) == 3
    assert "/incidents/" not in html and "/maintenance/" not in html
    # The uptime days of yesterday's and today's incidents are marked, and link nowhere.
    bars = "".join(re.findall(r'<ol class="bars".*?</ol>', html, re.S))
    assert '<li class="minor"' in bars and '<li class="partial"' in bars
    assert "<a " not in bars
    assert 'action="/p/sign-out"' in html


def test_a_subscribed_viewer_is_told_so_with_a_link_to_manage(app, make_page, viewer_client):
    page = make_page()
    client = viewer_client(page)
    before = client.get("/p/acme").get_data(as_text=True)
    assert 'href="/p/acme/subscribe"' in before
    subscriber, path = subscribe(client, page)
    pending = client.get("/p/acme").get_data(as_text=True)
    assert 'href="/p/acme/subscribe"' in pending  # not confirmed yet: nothing gets there
    confirm(app.test_client(), path)
    html = client.get("/p/acme").get_data(as_text=True)
    assert "You get this page's updates by email" in unescape(html)
    manage = f"/subscriptions/{link_token(subscriber.link_id)}"
    assert f'href="{manage}"' in html
    assert "Subscribe to updates" not in html and 'href="/p/acme/subscribe"' not in html
    assert "Sign out" in html
    # The browser's kept copy is not reused once the subscription changed.
    assert before != html
    opened = client.get(manage)
    assert opened.status_code == 200 and brand_link(opened.get_data(as_text=True)) == "/p/acme"


def test_another_viewer_of_the_page_is_still_offered_subscribe(make_page, viewer_client):
    page = make_page()
    ana = viewer_client(page)
    _, path = subscribe(ana, page)
    confirm(ana, path)
    bo = viewer_client(page, "bo@acme.example")
    html = bo.get("/p/acme").get_data(as_text=True)
    assert 'href="/p/acme/subscribe"' in html
    assert "You get this page&#39;s updates by email" not in html


def test_a_cancelled_subscription_s_confirmation_link_keeps_the_private_page(
    app, make_page, viewer_client
):
    page = make_page()
    client = viewer_client(page)
    subscriber, path = subscribe(client, page)
    confirm(client, path)
    gone = client.post(
        f"/unsubscribe/{link_token(subscriber.link_id)}", data={"List-Unsubscribe": "One-Click"}
    )
    assert gone.status_code == 200
    shown = client.get(path)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 400
    assert "We could not confirm your subscription" in html
    assert brand_link(html) == "/p/acme"
    assert 'href="/p/acme/subscribe"' in html and 'href="/p/acme"' in html
    assert 'href="/subscribe"' not in html and 'href="/history"' not in html
    # Pressing a button kept from before it was cancelled says so in the same frame.
    form = client.get("/p/acme/subscribe").get_data(as_text=True)
    pressed = client.post(path, data={"csrf_token": CSRF_RE.search(form).group(1)})
    said = pressed.get_data(as_text=True)
    assert pressed.status_code == 400 and "We could not confirm your subscription" in said
    assert brand_link(said) == "/p/acme" and 'href="/p/acme/subscribe"' in said


def test_a_public_subscription_s_problem_page_stays_public(client):
    response = client.get("/subscribe/confirm/not-a-token")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert brand_link(html) == "/" and 'href="/subscribe"' in html


def test_a_missing_address_under_the_page_keeps_its_frame(make_page, viewer_client):
    client = viewer_client(make_page())
    response = client.get("/p/acme/incidents/nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert brand_link(html) == "/p/acme"
    assert '<a href="/p/acme">Back to the status page</a>' in html
    assert 'action="/p/sign-out"' in html and "Sign out" in html
    assert 'class="lang"' in html


@pytest.mark.parametrize("path", ["/no-such-page", "/p/other/nothing"])
def test_other_missing_pages_offer_the_language_switch(make_page, viewer_client, path):
    client = viewer_client(make_page())
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'class="lang"' in html and 'href="/">Back to the status page' in html
    assert 'name="next" value="/"' in html  # the same answer whatever the address
    assert 'action="/p/sign-out"' not in html


def test_german_unsubscribing_is_not_signing_out(make_page, viewer_client):
    page = make_page()
    client = viewer_client(page)
    subscriber, path = subscribe(client, page, GERMAN)
    confirm(client, path)
    html = client.get(f"/unsubscribe/{link_token(subscriber.link_id)}", headers=GERMAN).get_data(
        as_text=True
    )
    assert ">Abbestellen</button>" in html and "Abbestellen?" in html
    assert "Abmelden?" not in html
    signed_in = client.get("/p/acme", headers=GERMAN).get_data(as_text=True)
    assert ">Abmelden</button>" in signed_in
