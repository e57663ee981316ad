"""Badges, the iframe card and the banner script: what they say for each state of the
page, that they are safe on other sites, and that they are cached like the page."""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import post_maintenance_update, schedule_maintenance
from app.models import utcnow
from app.public.badge_svg import text_width
from app.status.components import add_dependency, set_component_status
from core.db import db

SVG = "{http://www.w3.org/2000/svg}"
PAGE_COLOURS = {
    "operational": "#1a7f37",
    "minor outage": "#9a6700",
    "partial outage": "#bc4c00",
    "major outage": "#cf222e",
    "maintenance": "#0969da",
}


def parse_badge(response) -> dict:
    """The badge's accessible title, its visible texts and its two parts' colours."""
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.data)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title").text
    assert root.get("aria-label") == title
    rects = root.findall(f"{SVG}g/{SVG}rect")
    assert int(rects[0].get("width")) + int(rects[1].get("width")) == int(root.get("width"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    # Each text twice: its shadow (hidden from screen readers) and itself.
    assert texts[0] == texts[1] and texts[2] == texts[3] and len(texts) == 4
    assert [t.get("aria-hidden") for t in root.iter(f"{SVG}text")] == ["true", None] * 2
    assert not list(root.iter(f"{SVG}script"))
    return {
        "title": title,
        "label": texts[0],
        "message": texts[2],
        "colours": (rects[0].get("fill"), rects[1].get("fill")),
    }


@pytest.fixture
def fast(app):
    app.config["CACHE_CHECK_SECONDS"] = 60
    return app.wsgi_app


# --- the page's badge ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("operational", "operational"),
        ("degraded_performance", "minor outage"),
        ("partial_outage", "partial outage"),
        ("major_outage", "major outage"),
        ("under_maintenance", "maintenance"),
    ],
)
def test_the_page_badge_says_the_pages_indicator(app, client, make_component, status, words):
    api = make_component("API")
    make_component("Website")
    set_component_status(None, api, status)
    db.session.commit()
    badge = parse_badge(client.get("/badge.svg"))
    assert badge["label"] == "status"
    assert badge["message"] == words
    assert badge["title"] == f"{app.config['PAGE_NAME']} status: {words}"
    assert badge["colours"] == ("#555", PAGE_COLOURS[words])


def test_the_page_badge_follows_open_incidents_and_maintenance_windows(client, make_component):
    api = make_component("API")
    now = utcnow()
    window = schedule_maintenance(
        None,
        "Database upgrade",
        now - timedelta(minutes=5),
        now + timedelta(hours=1),
        [api],
        body="Upgrading.",
    )
    db.session.commit()
    assert parse_badge(client.get("/badge.svg"))["message"] == "maintenance"

    outage = declare_incident(None, "Checkout down", "critical", {}, body="Down.", reviewed=True)
    db.session.commit()
    assert parse_badge(client.get("/badge.svg"))["message"] == "major outage"

    post_incident_update(None, outage, "resolved", "Back.", reviewed=True)
    post_maintenance_update(None, window, "completed", "Done.")
    db.session.commit()
    assert parse_badge(client.get("/badge.svg"))["message"] == "operational"


# --- a component's badge ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words", "colour"),
    [
        ("operational", "operational", "#1a7f37"),
        ("degraded_performance", "degraded performance", "#9a6700"),
        ("partial_outage", "partial outage", "#bc4c00"),
        ("major_outage", "major outage", "#cf222e"),
        ("under_maintenance", "under maintenance", "#0969da"),
    ],
)
def test_a_component_badge_says_its_effective_status(client, make_component, status, words, colour):
    database = make_component("Database")
    api = make_component("REST API")
    add_dependency(None, api, database, "hard")
    set_component_status(None, database, status)
    db.session.commit()
    # The API's own status is operational; its effective one is its database's.
    badge = parse_badge(client.get(f"/components/{api.public_id}/badge.svg"))
    assert badge["label"] == "REST API"
    assert badge["message"] == words
    assert badge["title"] == f"REST API: {words}"
    assert badge["colours"] == ("#555", colour)


def test_a_group_has_a_badge_with_its_worst_status(client, make_component):
    card = make_component("Card payments", group="Payments")
    make_component("Payouts", group="Payments")
    set_component_status(None, card, "partial_outage")
    db.session.commit()
    group_id = client.get("/api/v2/components.json").get_json()["components"][0]["id"]
    badge = parse_badge(client.get(f"/components/{group_id}/badge.svg"))
    assert (badge["label"], badge["message"]) == ("Payments", "partial outage")


def test_a_component_name_is_escaped_and_the_badge_stays_well_formed(client, make_component):
    name = 'Card <&"> payments'
    component = make_component(name)
    response = client.get(f"/components/{component.public_id}/badge.svg")
    badge = parse_badge(response)
    assert badge["label"] == name
    assert badge["title"] == f"{name}: operational"
    assert b"<&" not in response.data and b'"> payments' not in response.data
    assert b"&lt;&amp;&quot;&gt;" in response.data


def test_widths_follow_the_text():
    assert text_width("i") < text_width("m") < text_width("W" * 2)
    assert text_width("operational") % 2 == 1  # odd: the text centres on a pixel edge
    assert text_width("é") == text_width("e")
    assert text_width("状态") == 23  # full-width: a whole em each


@pytest.mark.parametrize("public_id", ["internal", "unknown", "x" * 40, "a.b", "café"])
def test_internal_unknown_and_impossible_components_have_no_badge(
    client, make_component, public_id
):
    internal = make_component("Ledger", visibility="internal")
    path_id = internal.public_id if public_id == "internal" else public_id
    if public_id == "unknown":
        path_id = "zzzzzzzzzzzz"
    response = client.get(f"/components/{path_id}/badge.svg")
    assert response.status_code == 404
    assert b"Ledger" not in response.data


# --- caching ------------------------------------------------------------------------


def cached_paths(component) -> list[str]:
    return [
        "/badge.svg",
        f"/components/{component.public_id}/badge.svg",
        "/embed",
        "/widget.js",
    ]


def test_each_is_cached_like_the_page_and_answers_304_to_its_etag(client, make_component):
    api = make_component("API")
    for path in cached_paths(api):
        first = client.get(path)
        assert first.status_code == 200, path
        assert first.headers["Cache-Control"].startswith("public, max-age="), path
        assert "stale-if-error=86400" in first.headers["Cache-Control"]
        assert first.headers["Last-Modified"]
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == etag
        gzipped = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert gzipped.headers["Content-Encoding"] == "gzip"


def test_a_change_gives_new_bytes_and_a_new_etag(client, make_component):
    api = make_component("API")
    path = f"/components/{api.public_id}/badge.svg"
    before = client.get(path)
    set_component_status(None, api, "major_outage")
    db.session.commit()
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert parse_badge(after)["message"] == "major outage"


def test_a_badge_is_rendered_once_per_content_version(app, client, make_component):
    make_component("API")
    cache = app.extensions["herald_page_cache"]
    client.get("/badge.svg")
    renders = cache.renders
    for _ in range(3):
        client.get("/badge.svg")
    assert cache.renders == renders


@pytest.mark.parametrize("path", ["/badge.svg", "/embed", "/widget.js"])
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_the_fast_path_serves_them_with_the_same_bytes_and_headers(
    client, make_component, fast, path, encoding
):
    make_component("API")
    by_flask = client.get(path, headers={"Accept-Encoding": encoding})
    assert fast.served == 0
    by_fast_path = client.get(path, headers={"Accept-Encoding": encoding})
    assert fast.served == 1
    assert by_fast_path.data == by_flask.data
    strip = lambda r: sorted((k, v) for k, v in r.headers.items() if k != "Date")  # noqa: E731
    assert strip(by_fast_path) == strip(by_flask)


# --- the iframe card ----------------------------------------------------------------


@pytest.fixture
def busy_page(make_component):
    card = make_component("Card payments")
    ledger = make_component("Ledger", visibility="internal")
    now = utcnow()
    declare_incident(
        None,
        "Slow <b>card</b> payments",
        "minor",
        {card: "degraded_performance"},
        body="Looking.",
        reviewed=True,
    )
    declare_incident(
        None, "Ledger drift", "minor", {ledger: "degraded_performance"}, visibility="internal"
    )
    schedule_maintenance(
        None,
        "Bank switch",
        now - timedelta(minutes=5),
        now + timedelta(hours=1),
        [card],
        body="Switching.",
    )
    schedule_maintenance(
        None,
        "Later work",
        now + timedelta(days=2),
        now + timedelta(days=2, hours=1),
        [card],
        body="Later.",
    )
    db.session.commit()


def test_the_card_shows_the_indicator_active_incidents_and_maintenance(app, client, busy_page):
    response = client.get("/embed")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    assert app.config["PAGE_NAME"] in html
    assert "Minor Service Outage" in html
    assert "Slow &lt;b&gt;card&lt;/b&gt; payments" in html and "<b>card" not in html
    # One line fits the card: the incident, and the maintenance counted under it.
    assert "Bank switch" not in html and "and 1 more" in html
    assert "Ledger drift" not in html  # internal
    assert "Later work" not in html  # upcoming, not active
    links = re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener">', html)
    assert "https://status.example.com/" in links
    assert any(link.startswith("https://status.example.com/incidents/") for link in links)
    assert len(links) == html.count("<a ")


def test_with_two_incidents_the_card_lists_one_and_counts_the_other(client, make_component):
    api = make_component("API")
    declare_incident(None, "Checkout errors", "major", {api: "partial_outage"}, reviewed=True)
    declare_incident(None, "Slow logins", "minor", {api: "degraded_performance"}, reviewed=True)
    db.session.commit()
    html = client.get("/embed").get_data(as_text=True)
    listed = re.findall(r"<li>.*?</li>", html)
    assert len(listed) == 1 and ("Checkout errors" in listed[0] or "Slow logins" in listed[0])
    assert ("Checkout errors" in html) != ("Slow logins" in html)
    assert '<li class="st">and 1 more</li>' in html
    assert "View the status page</a>" in html


def test_maintenance_alone_is_listed_as_maintenance(client, make_component):
    api = make_component("API")
    now = utcnow()
    schedule_maintenance(
        None,
        "Bank switch",
        now - timedelta(minutes=5),
        now + timedelta(hours=1),
        [api],
        body="Switching.",
    )
    db.session.commit()
    html = client.get("/embed").get_data(as_text=True)
    assert "<li>Maintenance: <a" in html and "Bank switch" in html and "more</li>" not in html


def test_the_card_runs_no_script_and_any_site_may_frame_it(client, busy_page):
    response = client.get("/embed")
    html = response.get_data(as_text=True)
    assert "<script" not in html.lower()
    assert re.search(r"<[^>]*\son\w+\s*=", html, re.I) is None  # no event handlers
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    # The inline style is allowed by its hash, and nothing else is.
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Every other page still refuses to be framed.
    for path in ("/", "/badge.svg", "/widget.js", "/api/v2/summary.json"):
        other = client.get(path)
        assert other.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"], path


def test_the_card_revalidates_with_its_own_policy(client, busy_page):
    first = client.get("/embed")
    again = client.get("/embed", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert "X-Frame-Options" not in again.headers
    assert "frame-ancestors *" in again.headers["Content-Security-Policy"]


def test_hsts_is_sent_on_the_card_too(app, client, make_component):
    app.config["HSTS"] = True
    make_component("API")
    assert client.get("/embed").headers["Strict-Transport-Security"].startswith("max-age=")


def test_an_all_clear_card_lists_nothing(client, make_component):
    make_component("API")
    html = client.get("/embed").get_data(as_text=True)
    assert "All Systems Operational" in html and "<ul>" not in html


# --- the banner script --------------------------------------------------------------


def test_the_widget_is_small_has_no_innerhtml_and_knows_the_page(client, make_component):
    make_component("API")
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert len(response.data) <= 3072
    script = response.get_data(as_text=True)
    assert "innerHTML" not in script and "outerHTML" not in script
    assert "insertAdjacentHTML" not in script and "document.write" not in script
    assert 'var page = "https://status.example.com";' in script
    assert "/api/v2/summary.json" in script and "textContent" in script
    assert "import " not in script and "require(" not in script


def test_the_widget_bakes_in_the_configured_url_as_a_javascript_string(app, make_component):
    app.config["PUBLIC_URL"] = 'https://status.example.com/a"b</script>'
    make_component("API")
    script = app.test_client().get("/widget.js").get_data(as_text=True)
    assert "</script>" not in script
    assert r'"https://status.example.com/a\"b\u003c/script\u003e"' in script


# --- CORS on the public JSON --------------------------------------------------------


def test_summary_json_answers_any_origin_on_both_paths(client, make_component, fast):
    make_component("API")
    headers = {"Origin": "https://shop.example.org"}
    by_flask = client.get("/api/v2/summary.json", headers=headers)
    assert fast.served == 0
    by_fast_path = client.get("/api/v2/summary.json", headers=headers)
    assert fast.served == 1
    for response in (by_flask, by_fast_path):
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
    assert by_fast_path.data == by_flask.data
