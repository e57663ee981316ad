"""A private page and its viewer pages speak the viewer's language as the public page
does: the footer's language switch (a cookie), then Accept-Language, then English. Each
language is its own cached page with its own ETag; the JSON stays English; a viewer of
one page is still told nothing of another, in any language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.i18n import COOKIE
from app.incidents.services import declare_incident
from app.pages import viewers
from core.db import db
from subscribers.models import Broadcast, Subscriber
from tests.pages.conftest import CSRF_RE, sign_in_path, use_link

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)">', html).group(1)


def words_of(html: str) -> str:
    """What a reader sees and hears: the text between the tags, and the labels."""
    labels = re.findall(r'(?:aria-label|title|data-t|data-local-note)="([^"]*)"', html)
    return " ".join([re.sub(r"<[^>]+>", " ", html), *labels])


def switch_of(html: str) -> str:
    """The language switch form in the footer."""
    form = html[html.index('<form class="lang"') :]
    return form[: form.index("</form>")]


def last_email(email: str, kind: str) -> Broadcast:
    found = db.session.scalar(
        select(Broadcast)
        .join(Subscriber, Subscriber.id == Broadcast.subscriber_id)
        .where(Broadcast.kind == kind, Subscriber.address == email)
        .order_by(Broadcast.id.desc())
        .limit(1)
    )
    assert found is not None, f"no {kind} email to {email}"
    return found


def test_a_german_viewer_sees_the_page_in_german(make_page, viewer_client):
    client = viewer_client(make_page())
    response = client.get("/p/acme", headers=GERMAN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html_lang(html) == "de"
    assert '<h1 id="banner-h">Alle Systeme betriebsbereit</h1>' in html
    assert '<h2 id="components-h">Komponenten</h2>' in html
    assert "Acme Corp · eine private Statusseite für eingeladene Personen" in html
    assert "Updates abonnieren" in html and "Diese Seite als JSON" in html
    text = words_of(html)
    for english in (
        "All Systems Operational",
        "Components",
        "Operational",
        "uptime",
        "Today",
        "Subscribe to updates",
        "private status page",
        "This page as JSON",
        "Times are shown",
        "Powered by",
        "Skip to content",
    ):
        assert english not in text, english
    # The page's own names stay as staff wrote them.
    assert "Checkout API" in text and "Partner ledger" in text


def test_the_footer_has_the_public_page_s_language_switch_coming_back_to_the_page(
    make_page, viewer_client
):
    client = viewer_client(make_page())
    form = switch_of(client.get("/p/acme", headers=SPANISH).get_data(as_text=True))
    assert 'action="/language"' in form and 'name="next" value="/p/acme"' in form
    for code, name in (("en", "English"), ("de", "Deutsch"), ("es", "Español")):
        assert f'value="{code}" lang="{code}"' in form and name in form
    assert 'value="es" lang="es" aria-pressed="true"' in form


def test_the_switch_to_spanish_works_on_the_private_page_and_beats_the_browser(
    make_page, viewer_client
):
    client = viewer_client(make_page())
    assert html_lang(client.get("/p/acme", headers=GERMAN).get_data(as_text=True)) == "de"
    response = client.post("/language", data={"language": "es", "next": "/p/acme"})
    assert response.status_code == 303 and response.headers["Location"] == "/p/acme"
    assert response.headers["Set-Cookie"].startswith(f"{COOKIE}=es;")
    html = client.get("/p/acme", headers=GERMAN).get_data(as_text=True)
    assert html_lang(html) == "es"
    assert "Todos los sistemas operativos" in html and "Componentes" in html
    assert "Suscribirse a las actualizaciones" in html
    assert "Alle Systeme" not in html
    # Switching does not sign the viewer out.
    client.post("/language", data={"language": "en", "next": "/p/acme"})
    english = client.get("/p/acme", headers=GERMAN)
    assert english.status_code == 200
    assert "All Systems Operational" in english.get_data(as_text=True)


def test_updates_published_in_english_are_marked_as_english(parts, make_page, viewer_client):
    client = viewer_client(make_page())
    declare_incident(
        None,
        "Ledger sync delayed",
        "minor",
        {parts["ledger"]: "degraded_performance"},
        body="Ledger entries arrive late.",
        reviewed=True,
    )
    db.session.commit()
    html = client.get("/p/acme", headers=GERMAN).get_data(as_text=True)
    assert "Aktuelle Störungen" in html and "Geringe Auswirkung" in html
    assert "Wird untersucht" in html and "Eingeschränkte Leistung" in html
    assert "(auf Englisch)" in html
    assert re.search(r'<div class="body" lang="en">\s*<p>Ledger entries arrive late\.</p>', html)
    english = client.get("/p/acme").get_data(as_text=True)
    assert "Active incidents" in english and "Investigating" in english
    assert 'class="body" lang="en"' not in english and "(in English)" not in english


def test_each_language_has_its_own_etag_and_the_answers_vary_by_language(
    app, make_page, viewer_client
):
    client = viewer_client(make_page())
    english = client.get("/p/acme")
    german = client.get("/p/acme", headers=GERMAN)
    spanish = client.get("/p/acme", headers=SPANISH)
    etags = {r.headers["ETag"] for r in (english, german, spanish)}
    assert len(etags) == 3
    for response in (english, german, spanish):
        vary = {v.strip() for v in response.headers["Vary"].split(",")}
        assert {"Accept-Language", "Cookie", "Authorization", "Accept-Encoding"} <= vary
        assert response.headers["Cache-Control"].startswith("private")
    # Each language is kept once: asking again renders nothing.
    renders = app.extensions["herald_page_cache"].renders
    again = client.get("/p/acme", headers=GERMAN)
    assert again.headers["ETag"] == german.headers["ETag"]
    assert app.extensions["herald_page_cache"].renders == renders
    # A German viewer holding the English copy is given the German page, not a 304.
    swapped = client.get("/p/acme", headers={**GERMAN, "If-None-Match": english.headers["ETag"]})
    assert swapped.status_code == 200
    assert "Alle Systeme betriebsbereit" in swapped.get_data(as_text=True)
    same = client.get("/p/acme", headers={**GERMAN, "If-None-Match": german.headers["ETag"]})
    assert same.status_code == 304


def test_the_json_stays_english_even_when_a_german_viewer_comes_first(
    parts, make_page, viewer_client
):
    client = viewer_client(make_page())
    declare_incident(
        None,
        "Ledger sync delayed",
        "minor",
        {parts["ledger"]: "degraded_performance"},
        body="Ledger entries arrive late.",
        reviewed=True,
    )
    db.session.commit()
    assert "Wird untersucht" in client.get("/p/acme", headers=GERMAN).get_data(as_text=True)
    data = client.get("/p/acme/api/v2/summary.json", headers=GERMAN).get_json()
    assert data["status"]["description"] == "Minor Service Outage"
    assert data["incidents"][0]["incident_updates"][0]["status"] == "investigating"
    english = client.get("/p/acme").get_data(as_text=True)
    assert "Investigating" in english and "Wird untersucht" not in english


@pytest.mark.parametrize("headers", [GERMAN, SPANISH, {}], ids=["de", "es", "en"])
def test_a_viewer_of_one_page_gets_404_on_another_in_any_language(
    make_page, viewer_client, headers
):
    acme = make_page()
    make_page("globex", "Globex", ("mail",))
    client = viewer_client(acme)
    assert client.get("/p/acme", headers=headers).status_code == 200
    for url in ("/p/globex", "/p/globex/api/v2/summary.json", "/p/globex/subscribe"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert "Globex" not in response.get_data(as_text=True)
    # Refused as a page that does not exist is, word for word.
    refused = client.get("/p/globex", headers=headers).get_data(as_text=True)
    assert refused == client.get("/p/nowhere", headers=headers).get_data(as_text=True)


def test_the_sign_in_page_and_its_problems_speak_the_viewer_s_language(app, make_page):
    page = make_page()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    path = sign_in_path("ana@acme.example")
    client = app.test_client()
    landing = client.get(path, headers=GERMAN).get_data(as_text=True)
    assert html_lang(landing) == "de"
    assert "Bei Ihrer Statusseite anmelden" in landing and ">Anmelden</button>" in landing
    assert f'name="next" value="{path}"' in switch_of(landing)
    token = CSRF_RE.search(landing).group(1)
    assert client.post(path, data={"csrf_token": token}, headers=GERMAN).status_code == 302
    spent = app.test_client()
    form = spent.get(path, headers=SPANISH).get_data(as_text=True)
    refused = spent.post(path, data={"csrf_token": CSRF_RE.search(form).group(1)}, headers=SPANISH)
    assert refused.status_code == 400
    said = refused.get_data(as_text=True)
    assert html_lang(said) == "es" and "Este enlace no puede iniciar su sesión" in said
    assert "ya se ha usado" in said and "already been used" not in said


def test_signing_out_is_said_in_the_viewer_s_language_and_the_switch_comes_back(
    make_page, viewer_client
):
    client = viewer_client(make_page())
    form = client.get("/p/acme/subscribe", headers=GERMAN).get_data(as_text=True)
    assert "Acme Corp abonnieren" in form and ">Abmelden</button>" in form
    token = CSRF_RE.search(form).group(1)
    out = client.post("/p/sign-out", data={"csrf_token": token}, headers=GERMAN)
    assert out.status_code == 200
    html = out.get_data(as_text=True)
    assert html_lang(html) == "de" and "Sie sind abgemeldet" in html
    assert 'name="next" value="/p/sign-out"' in switch_of(html)
    switched = client.post("/language", data={"language": "es", "next": "/p/sign-out"})
    assert switched.status_code == 303 and switched.headers["Location"] == "/p/sign-out"
    again = client.get("/p/sign-out", headers=GERMAN)
    assert again.status_code == 200 and "Ha cerrado la sesión" in again.get_data(as_text=True)
    assert again.headers["Cache-Control"] == "no-store"
    assert client.get("/p/acme").status_code == 404  # still signed out


def test_opening_the_signed_out_address_while_signed_in_signs_nobody_out(make_page, viewer_client):
    client = viewer_client(make_page())
    response = client.get("/p/sign-out")
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/acme")
    assert client.get("/p/acme").status_code == 200


def test_the_sign_in_email_is_english_until_the_viewer_reads_in_another_language(app, make_page):
    page = make_page()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    first = last_email("ana@acme.example", "page_sign_in")
    assert first.subject.startswith("Your sign-in link for Acme Corp (")
    assert first.text_body.startswith("You have been invited to Acme Corp, a status page of ")
    assert "The link works once and for 72 hours." in first.text_body
    client = app.test_client()
    client.set_cookie(COOKIE, "de")
    assert use_link(client, sign_in_path("ana@acme.example")).status_code == 302
    viewers.invite_viewer(None, page, "ana@acme.example")  # a fresh link, sent by staff
    db.session.commit()
    second = last_email("ana@acme.example", "page_sign_in")
    assert second.subject.startswith("Ihr Anmeldelink für Acme Corp (")
    assert "Sie wurden zu Acme Corp eingeladen" in second.text_body
    assert "Anmelden: https://status.example.com/p/sign-in/" in second.text_body
    assert "72 Stunden gültig" in second.text_body
    # The link in the German email signs in as the English one did.
    assert use_link(app.test_client(), sign_in_path("ana@acme.example")).status_code == 302


def test_subscribing_from_a_spanish_page_gets_notices_in_spanish(app, make_page, viewer_client):
    page = make_page()
    client = viewer_client(page)
    client.set_cookie(COOKIE, "es")
    form = client.get("/p/acme/subscribe").get_data(as_text=True)
    assert "Suscribirse a Acme Corp" in form and "<strong>ana@acme.example</strong>" in form
    sent = client.post("/p/acme/subscribe", data={"csrf_token": CSRF_RE.search(form).group(1)})
    assert sent.status_code == 200
    assert "Revise su correo electrónico" in sent.get_data(as_text=True)
    subscriber = db.session.scalar(
        select(Subscriber).where(Subscriber.address == "ana@acme.example")
    )
    assert subscriber.language == "es"
    confirm = last_email("ana@acme.example", "confirm_email")
    assert "Confirme que desea recibir actualizaciones" in confirm.text_body
    # Chosen by subscribing: signing in again from a German browser does not change it.
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    german = app.test_client()
    german.set_cookie(COOKIE, "de")
    assert use_link(german, sign_in_path("ana@acme.example")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Subscriber, subscriber.id).language == "es"
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    assert "Le han invitado a Acme Corp" in last_email("ana@acme.example", "page_sign_in").text_body
