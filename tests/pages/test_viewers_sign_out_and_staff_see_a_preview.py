"""Every page a signed-in viewer reads has a Sign out button in its header (a POST with
the CSRF token), the kept page too; staff who are not viewers see the page marked as
their preview, with no Subscribe link (which answers them 404)."""

from __future__ import annotations

import re

from app.status.components import set_component_status
from core.db import db
from tests.pages.conftest import CSRF_RE

SIGN_OUT_RE = re.compile(
    r'<form class="inline sign-out" method="post" action="/p/sign-out">\s*'
    r'<input type="hidden" name="csrf_token" value="([^"]+)">\s*'
    r'<button class="linkish" type="submit">([^<]+)</button>'
)
PREVIEW = "Staff preview of Acme Corp — viewers see this page"


def header(html: str) -> str:
    return html.split('<header class="site">', 1)[1].split("</header>", 1)[0]


def renders(app) -> int:
    return app.extensions["herald_page_cache"].renders


def test_every_viewer_page_has_sign_out_in_its_header(make_page, viewer_client):
    client = viewer_client(make_page())
    form = client.get("/p/acme/subscribe").get_data(as_text=True)
    sent = client.post("/p/acme/subscribe", data={"csrf_token": CSRF_RE.search(form).group(1)})
    for html in (client.get("/p/acme").get_data(as_text=True), form, sent.get_data(as_text=True)):
        found = SIGN_OUT_RE.search(header(html))
        assert found is not None and found.group(2) == "Sign out"
        assert PREVIEW not in html
    assert "<!--sign-out-->" not in client.get("/p/acme").get_data(as_text=True)


def test_the_button_on_the_page_signs_out(make_page, viewer_client):
    client = viewer_client(make_page())
    token = SIGN_OUT_RE.search(client.get("/p/acme").get_data(as_text=True)).group(1)
    out = client.post("/p/sign-out", data={"csrf_token": token})
    assert out.status_code == 200
    assert client.get("/p/acme").status_code == 404


def test_the_kept_page_is_rendered_once_and_each_viewer_gets_a_button_of_their_own(
    app, make_page, viewer_client
):
    page = make_page()
    ana, bob = viewer_client(page), viewer_client(page, "bob@acme.example")
    first = ana.get("/p/acme")
    before = renders(app)
    second = bob.get("/p/acme")
    assert renders(app) == before  # one render serves both viewers
    ana_token = SIGN_OUT_RE.search(first.get_data(as_text=True)).group(1)
    bob_token = SIGN_OUT_RE.search(second.get_data(as_text=True)).group(1)
    assert ana_token != bob_token
    assert first.headers["ETag"] != second.headers["ETag"]
    # Bob's token does not sign Ana out; her own does.
    assert ana.post("/p/sign-out", data={"csrf_token": bob_token}).status_code == 400
    assert ana.get("/p/acme").status_code == 200
    assert ana.post("/p/sign-out", data={"csrf_token": ana_token}).status_code == 200
    assert ana.get("/p/acme").status_code == 404 and bob.get("/p/acme").status_code == 200


def test_a_viewer_s_copy_is_revalidated_per_sign_in_and_per_change(
    app, parts, make_page, viewer_client
):
    page = make_page()
    client = viewer_client(page)
    etag = client.get("/p/acme").headers["ETag"]
    assert client.get("/p/acme", headers={"If-None-Match": etag}).status_code == 304
    set_component_status(None, parts["api"], "major_outage")
    db.session.commit()
    changed = client.get("/p/acme", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Major outage" in changed.get_data(as_text=True)
    # Signed in afresh (a new session, a new CSRF token): the kept copy is not reused.
    again = viewer_client(page).get("/p/acme", headers={"If-None-Match": changed.headers["ETag"]})
    assert again.status_code == 200


def test_staff_see_a_preview_banner_and_no_subscribe_link(
    make_page, make_user, staff, viewer_client
):
    page = make_page()
    preview = staff(make_user("viewer")).get("/p/acme")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and PREVIEW in html
    assert "/p/acme/subscribe" not in html and "Subscribe to updates" not in html
    assert SIGN_OUT_RE.search(html) is None and "<!--sign-out-->" not in html
    assert preview.headers["Cache-Control"].startswith("private")
    # Viewers never get the staff's copy, whoever asked first.
    viewer = viewer_client(page).get("/p/acme").get_data(as_text=True)
    assert PREVIEW not in viewer and 'href="/p/acme/subscribe"' in viewer


def test_the_preview_banner_speaks_the_reader_s_language(make_page, make_user, staff):
    make_page()
    admin = staff(make_user("admin"))
    german = admin.get("/p/acme", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Vorschau für Mitarbeitende: Acme Corp" in german
    spanish = admin.get("/p/acme", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Vista previa para el personal: Acme Corp" in spanish
