"""The pages a subscriber reaches through their own link (confirm, manage, unsubscribe)
speak the subscriber's language, whatever the browser's, unless the reader picked a
language with the switch. A link that names nobody is answered in the browser's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.i18n import COOKIE
from core.db import db
from subscribers.links import confirmation_token, link_token
from subscribers.models import Subscriber
from tests.snapshot import snapshot

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ENGLISH_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)">', html).group(1)


def get(client, url, status=200, **headers):
    response = client.get(url, headers={**ENGLISH_BROWSER, **headers})
    assert response.status_code == status
    return response.get_data(as_text=True)


@pytest.fixture
def pending_german(client, audiences):
    """Rita signed up on the form and chose German for her messages."""
    form = client.get("/subscribe").get_data(as_text=True)
    client.post(
        "/subscribe",
        data={
            "csrf_token": CSRF_RE.search(form).group(1),
            "channel": "email",
            "address": "rita@example.com",
            "language": "de",
        },
    )
    return db.session.scalar(select(Subscriber).where(Subscriber.address == "rita@example.com"))


def test_the_emailed_confirm_link_opens_in_the_subscriber_s_language(client, pending_german):
    client.delete_cookie("session")
    url = f"/subscribe/confirm/{confirmation_token(pending_german.id, pending_german.link_id)}"
    page = get(client, url)
    assert html_lang(page) == "de" and "Bestätigen Sie Ihr Abonnement" in page
    assert "Confirm your subscription" not in page
    token = CSRF_RE.search(page).group(1)
    done = client.post(url, data={"csrf_token": token}, headers=ENGLISH_BROWSER)
    assert done.status_code == 200 and html_lang(done.get_data(as_text=True)) == "de"


@pytest.mark.parametrize(
    ("path", "german"),
    [("/subscriptions/{}", "Sprache der Nachrichten"), ("/unsubscribe/{}", "Abbestellen")],
)
def test_the_manage_and_unsubscribe_links_open_in_the_subscriber_s_language(
    client, make_subscriber, path, german
):
    subscriber = make_subscriber("max@example.com", language="de")
    page = get(client, path.format(link_token(subscriber.link_id)))
    assert html_lang(page) == "de" and german in page


def test_unsubscribing_answers_in_the_subscriber_s_language(client, make_subscriber):
    subscriber = make_subscriber("max@example.com", language="es")
    url = f"/unsubscribe/{link_token(subscriber.link_id)}"
    response = client.post(url, data={"List-Unsubscribe": "One-Click"}, headers=ENGLISH_BROWSER)
    assert response.status_code == 200 and html_lang(response.get_data(as_text=True)) == "es"


def test_the_language_switch_wins_over_the_subscriber_s(client, make_subscriber):
    subscriber = make_subscriber("max@example.com", language="de")
    client.set_cookie(COOKIE, "es")
    page = get(client, f"/subscriptions/{link_token(subscriber.link_id)}")
    assert html_lang(page) == "es" and "Idioma de los mensajes" in page


def test_a_link_that_names_nobody_is_answered_in_the_browser_s_language(client, make_subscriber):
    make_subscriber("max@example.com", language="de")
    before = snapshot()
    page = get(client, "/subscriptions/not-a-token", 404, **{"Accept-Language": "es"})
    assert html_lang(page) == "es" and "Suscripción no encontrada" in page
    assert snapshot() == before
