"""The public pages in the reader's language: the language switch's cookie, then
Accept-Language, then English; anything unknown counts as absent. Staff pages stay
English. Each language is cached as its own page, and says so to shared caches."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.i18n import COOKIE
from app.incidents.services import declare_incident
from app.maintenance.services import schedule_maintenance
from core.db import db

ENGLISH = "All Systems Operational"
GERMAN = "Alle Systeme betriebsbereit"
SPANISH = "Todos los sistemas operativos"


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)">', response.get_data(as_text=True)).group(1)


def words_of(html: str) -> str:
    """What a reader sees and hears: the text between the tags, and the labels and
    titles (CSS classes and other markup are not words)."""
    labels = re.findall(r'(?:aria-label|title|data-t)="([^"]*)"', html)
    return " ".join([re.sub(r"<[^>]+>", " ", html), *labels])


def page(client, path="/", **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response


@pytest.fixture
def components(make_component):
    return make_component("API"), make_component("Dashboard", group="Web")


@pytest.mark.parametrize(
    ("accept", "words", "lang"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", GERMAN, "de"),
        ("es-ES,es;q=0.9", SPANISH, "es"),
        ("fr-FR,fr;q=0.9,es;q=0.4", SPANISH, "es"),
        ("en-GB,en;q=0.9,de;q=0.8", ENGLISH, "en"),
    ],
)
def test_accept_language_chooses_the_page_s_language(client, components, accept, words, lang):
    response = page(client, **{"Accept-Language": accept})
    text = response.get_data(as_text=True)
    assert words in text
    assert html_lang(response) == lang


def test_the_german_page_has_no_english_left_in_its_own_words(client, components):
    text = words_of(page(client, **{"Accept-Language": "de"}).get_data(as_text=True))
    for english in (
        "Components",
        "Operational",
        "uptime",
        "days ago",
        "Today",
        "History",
        "Subscribe to updates",
        "Times are shown",
        "Staff sign-in",
        "Skip to content",
    ):
        assert english not in text, english
    assert "Betriebsbereit" in text and "Verfügbarkeit" in text and "Heute" in text


def test_the_switch_stores_the_choice_in_a_cookie_and_goes_back(client, components):
    response = client.post("/language", data={"language": "es", "next": "/history?page=1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/history?page=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=es;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The cookie beats the browser's Accept-Language.
    assert SPANISH in page(client, **{"Accept-Language": "de"}).get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/"})
    assert ENGLISH in page(client, **{"Accept-Language": "de"}).get_data(as_text=True)


def test_the_switch_is_a_form_in_the_footer_with_every_language(client, components):
    text = page(client, **{"Accept-Language": "de"}).get_data(as_text=True)
    form = text[text.index('<form class="lang"') :]
    form = form[: form.index("</form>")]
    assert 'action="/language"' in form and 'name="next" value="/"' in form
    for code, name in (("en", "English"), ("de", "Deutsch"), ("es", "Español")):
        assert f'value="{code}" lang="{code}"' in form and name in form
    assert 'value="de" lang="de" aria-pressed="true"' in form


@pytest.mark.parametrize(
    ("language", "target"),
    [("de", "https://evil.example/"), ("de", "//evil.example/x"), ("es", "javascript:x")],
)
def test_the_switch_never_sends_the_reader_to_another_site(client, language, target):
    response = client.post("/language", data={"language": language, "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


@pytest.mark.parametrize("bad", ["", "xx", "de-DE", "EN", "<script>"])
def test_a_language_the_switch_does_not_offer_is_refused_and_no_cookie_is_set(client, bad):
    response = client.post("/language", data={"language": bad, "next": "/"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("cookie", "accept"),
    [
        ("xx", None),
        ("", None),
        ('"de', None),
        ("de-DE", None),
        (None, "xx;q=1"),
        (None, "*;q=abc,;;,"),
        (None, "de;q=0"),
        (None, "de-" + "x" * 600),
    ],
)
def test_a_bad_cookie_or_header_falls_back_to_english(client, components, cookie, accept):
    if cookie is not None:
        client.set_cookie(COOKIE, cookie)
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = page(client, **headers)
    assert ENGLISH in response.get_data(as_text=True) and html_lang(response) == "en"


def test_each_language_is_its_own_cached_page_and_says_it_varies(app, client, components):
    first = page(client, **{"Accept-Language": "de"})
    english = page(client)
    again = page(client, **{"Accept-Language": "de"})
    assert GERMAN in again.get_data(as_text=True) and ENGLISH in english.get_data(as_text=True)
    assert first.headers["ETag"] == again.headers["ETag"] != english.headers["ETag"]
    for response in (first, english):
        assert response.headers["Vary"] == "Accept-Encoding, Accept-Language, Cookie"
    # The JSON is the same in every language: one copy for every reader.
    assert client.get("/api/v2/summary.json").headers["Vary"] == "Accept-Encoding"


def test_the_fast_path_serves_each_reader_its_own_language(app, components):
    """The WSGI fast path answers from the cache without Flask: it must pick the same
    language (and so the same entry) as Flask would."""
    app.config["CACHE_CHECK_SECONDS"] = 60  # no version check due: the fast path answers
    fast = app.wsgi_app
    client = app.test_client()
    gzip = {"Accept-Encoding": "gzip"}
    client.get("/", headers={**gzip, "Accept-Language": "es"})  # rendered and cached
    client.get("/", headers=gzip)
    served = fast.served
    spanish = client.get("/", headers={**gzip, "Accept-Language": "es-MX,es"})
    english = client.get("/", headers={**gzip, "Accept-Language": "en-US"})
    client.set_cookie(COOKIE, "es")
    by_cookie = client.get("/", headers={**gzip, "Accept-Language": "en-US"})
    assert fast.served == served + 3
    assert spanish.headers["ETag"] == by_cookie.headers["ETag"] != english.headers["ETag"]


def test_an_incident_page_and_the_history_in_german(app, client, components):
    api, _dashboard = components
    incident = declare_incident(
        None,
        "Slow logins",
        "major",
        {api: "partial_outage"},
        body="We are looking at slow logins.",
        started_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
        reviewed=True,
    )
    db.session.commit()
    text = page(client, f"/incidents/{incident.public_id}", **{"Accept-Language": "de"}).get_data(
        as_text=True
    )
    assert "Schwere Auswirkung" in text and "Wird untersucht" in text
    assert "Betroffene Komponenten" in text and "Teilausfall" in text
    assert "3. Dez. 2026, 09:30" in text and "Dauert seit" in text
    assert "Major impact" not in text and "Started" not in text
    history = page(client, "/history", **{"Accept-Language": "de"}).get_data(as_text=True)
    assert "Störungsverlauf" in history and "Dezember 2026" in history
    home = page(client, "/", **{"Accept-Language": "de"}).get_data(as_text=True)
    assert "Aktuelle Störungen" in home and "Betrifft API" in home
    # A day's tooltip on the bars: the date, the share and what happened, in German.
    assert re.search(r'data-t="\d+\. Dez\. 2026: [\d,]+\xa0% · Teilausfall', home)


def test_a_maintenance_window_in_spanish(client, components):
    api, _ = components
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    schedule_maintenance(
        None, "Database upgrade", start, start + timedelta(hours=2), [api], body="Upgrading."
    )
    db.session.commit()
    text = page(client, "/", **{"Accept-Language": "es"}).get_data(as_text=True)
    assert "Mantenimiento programado" in text and "Programado" in text
    assert "Scheduled" not in text


def test_the_embed_card_speaks_the_reader_s_language(client, components):
    text = page(client, "/embed", **{"Accept-Language": "es"}).get_data(as_text=True)
    assert SPANISH in text and "Ver la página de estado" in text
    assert "View the status page" not in text


def test_staff_pages_and_the_json_stay_english(client, components):
    german = {"Accept-Language": "de"}
    client.set_cookie(COOKIE, "de")
    login = client.get("/login", headers=german)
    assert html_lang(login) == "en"
    summary = client.get("/api/v2/summary.json", headers=german).get_json()
    assert summary["status"]["description"] == ENGLISH


def test_a_missing_page_says_so_in_the_reader_s_language(client):
    response = client.get("/incidents/nothing-here", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert "No hay nada en esta dirección." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    # Addresses that match no route (a private page's with a slash added, the private
    # pages' root, nothing at all, a feed's with more after it) and those that do.
    ["/p/acme/", "/p", "/nothing", "/history.rss/more", "/p/ACME", "/incidents/zzz"],
)
def test_every_missing_public_address_says_so_in_the_chosen_language(client, path):
    client.set_cookie(COOKIE, "es")
    response = client.get(path, headers={"Accept-Language": "en"})
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert html_lang(response) == "es"
    assert "<h1>No encontrado</h1>" in text and "No hay nada en esta dirección." in text
    assert "Not Found" not in text and "nothing at this address" not in text
    # One page per language: a cache that keeps error pages must keep each.
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_a_missing_address_with_no_cookie_follows_accept_language(client):
    response = client.get("/p/acme/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and html_lang(response) == "de"
    assert "<h1>Nicht gefunden</h1>" in text and "Unter dieser Adresse gibt es nichts." in text


def test_a_method_an_address_does_not_take_is_refused_in_the_reader_s_language(client):
    response = client.post("/history", headers={"Accept-Language": "es"})
    text = response.get_data(as_text=True)
    assert response.status_code == 405 and html_lang(response) == "es"
    assert "<h1>Método no permitido</h1>" in text
    assert "Este método no está permitido para la dirección solicitada." in text
    assert "not allowed" not in text


@pytest.mark.parametrize(
    "path",
    ["/admin/nothing", "/internal/nothing", "/login/nothing", "/p/acme/api/v2/nothing"],
)
def test_missing_staff_and_api_addresses_stay_english(client, path):
    client.set_cookie(COOKIE, "es")
    response = client.get(path, headers={"Accept-Language": "es"})
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and html_lang(response) == "en"
    assert "<h1>Not Found</h1>" in text and "No encontrado" not in text
    assert "Accept-Language" not in response.vary


def test_a_missing_json_address_stays_english(client):
    client.set_cookie(COOKIE, "es")
    response = client.get("/api/v2/nothing.json", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "There is nothing at this address."


def test_what_is_shared_by_every_language_stays_english_whoever_asks_first(client, components):
    """The summary behind the page, the JSON and the feeds is built once for everyone:
    a German reader who comes first must not leave German in the others."""
    api, _ = components
    declare_incident(
        None,
        "Slow logins",
        "major",
        {api: "partial_outage"},
        body="We are looking at slow logins.",
        started_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
        reviewed=True,
    )
    db.session.commit()
    german = {"Accept-Language": "de"}
    assert "Wird untersucht" in page(client, **german).get_data(as_text=True)
    feed = client.get("/history.rss", headers=german).get_data(as_text=True)
    assert "Investigating" in feed and "Wird untersucht" not in feed
    summary = client.get("/api/v2/incidents/unresolved.json", headers=german).get_json()
    assert summary["incidents"][0]["incident_updates"][0]["status"] == "investigating"
    english = page(client).get_data(as_text=True)
    assert "3 Dec 2026, 09:30 UTC" in english and "Dez." not in english
    assert "Investigating" in english and "Wird untersucht" not in english
