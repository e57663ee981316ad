"""Private pages are rendered once per change and kept per page, like the public page,
but never for a shared cache."""

from __future__ import annotations

import pytest

from app.pages import services
from app.status.components import set_component_status
from core.db import db


def renders(app) -> int:
    return app.extensions["herald_page_cache"].renders


@pytest.mark.parametrize("url", ["/p/acme", "/p/acme/api/v2/summary.json"])
def test_private_answers_are_private_and_vary_by_cookie_and_authorization(
    make_page, viewer_client, url
):
    client = viewer_client(make_page())
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    assert "public" not in response.headers["Cache-Control"]
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"Accept-Encoding", "Cookie", "Authorization"} <= vary
    assert "Access-Control-Allow-Origin" not in response.headers
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_304_is_given_only_to_who_may_read_the_page(app, make_page, viewer_client):
    client = viewer_client(make_page())
    etag = client.get("/p/acme").headers["ETag"]
    stranger = app.test_client().get("/p/acme", headers={"If-None-Match": etag})
    assert stranger.status_code == 404


def test_each_page_has_its_own_etag_and_is_rendered_once_per_change(
    app, parts, make_page, viewer_client
):
    acme = make_page()
    globex = make_page("globex", "Globex", ("api",))
    ana, bob = viewer_client(acme), viewer_client(globex, "bob@globex.example")
    first = ana.get("/p/acme")
    assert bob.get("/p/globex").headers["ETag"] != first.headers["ETag"]
    before = renders(app)
    assert ana.get("/p/acme").headers["ETag"] == first.headers["ETag"]
    assert renders(app) == before  # served from memory
    set_component_status(None, parts["ledger"], "major_outage")
    db.session.commit()
    changed = ana.get("/p/acme")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "Major outage" in changed.get_data(as_text=True)
    assert renders(app) == before + 1


def test_editing_a_page_shows_at_once(parts, make_page, viewer_client):
    page = make_page()
    client = viewer_client(page)
    assert "Newsletter" not in client.get("/p/acme").get_data(as_text=True)
    services.edit_page(None, page, components=[parts["mail"].public_id])
    db.session.commit()
    html = client.get("/p/acme").get_data(as_text=True)
    assert "Newsletter" in html and "Checkout API" not in html
