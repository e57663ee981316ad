"""Viewers: invited by email, signed in by a single-use link, shown their own page and
nothing else; everyone else is told the page does not exist."""

from __future__ import annotations

import time

import pytest
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.models import PageViewer
from app.pages import viewers
from core.db import db
from tests.pages.conftest import sign_in_path, use_link


def test_an_invited_viewer_signs_in_by_the_emailed_link_and_sees_the_page(app, make_page):
    page = make_page()
    viewers.invite_viewer(None, page, "Ana@Acme.example")
    db.session.commit()
    path = sign_in_path("ana@acme.example")
    client = app.test_client()
    assert client.get("/p/acme").status_code == 404  # not yet signed in
    response = use_link(client, path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/acme")
    html = client.get("/p/acme").get_data(as_text=True)
    assert "Acme Corp" in html
    assert "Checkout API" in html and "Partner ledger" in html  # the hidden one too
    assert "Newsletter" not in html
    viewer = db.session.scalar(select(PageViewer))
    assert viewer.signed_in_at is not None


def test_opening_the_link_alone_does_not_spend_it(app, make_page):
    """Mail scanners fetch links: only pressing the button signs in."""
    page = make_page()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    path = sign_in_path("ana@acme.example")
    scanner = app.test_client()
    assert scanner.get(path).status_code == 200
    assert use_link(app.test_client(), path).status_code == 302


def test_a_used_link_is_refused(app, make_page):
    page = make_page()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    path = sign_in_path("ana@acme.example")
    assert use_link(app.test_client(), path).status_code == 302
    again = app.test_client()
    response = use_link(again, path)
    assert response.status_code == 400
    said = response.get_data(as_text=True)
    assert "already been used" in said and "new one" in said and "not valid" not in said
    assert again.get("/p/acme").status_code == 404


def test_a_new_invitation_voids_the_previous_link(app, make_page):
    page = make_page()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    first = sign_in_path("ana@acme.example")
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    assert sign_in_path("ana@acme.example") != first
    assert use_link(app.test_client(), first).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PageViewer)) == 1


class _HoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - viewers.SIGN_IN_MAX_AGE - 60


def test_an_expired_link_is_refused_with_the_reason(app, make_page):
    page = make_page()
    viewer = viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    old = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=viewers.SIGN_IN_SALT, signer=_HoursAgo
    ).dumps({"v": viewer.id, "n": viewer.link_nonce})
    client = app.test_client()
    response = use_link(client, f"/p/sign-in/{old}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/p/acme").status_code == 404


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: URLSafeTimedSerializer("not-our-key", salt=viewers.SIGN_IN_SALT).dumps(
            {"v": 1, "n": "x"}
        ),
        # Signed by us, but for another purpose (a subscriber's confirmation).
        lambda token: URLSafeTimedSerializer(
            current_app.config["SECRET_KEY"], salt="subscribe-confirm"
        ).dumps({"v": 1, "n": "x"}),
        lambda token: "nonsense",
    ],
    ids=["tampered", "other-key", "other-purpose", "nonsense"],
)
def test_a_forged_link_is_refused_and_signs_nobody_in(app, make_page, forge):
    page = make_page()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    genuine = sign_in_path("ana@acme.example").rsplit("/", 1)[1]
    client = app.test_client()
    response = use_link(client, f"/p/sign-in/{forge(genuine)}")
    assert response.status_code == 400
    said = response.get_data(as_text=True)
    assert "not valid" in said and "already been used" not in said
    assert client.get("/p/acme").status_code == 404
    assert db.session.scalar(select(PageViewer.signed_in_at)) is None


def test_the_sign_in_button_needs_its_csrf_token(app, make_page):
    page = make_page()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    path = sign_in_path("ana@acme.example")
    client = app.test_client()
    assert client.post(path).status_code == 400
    assert db.session.scalar(select(PageViewer.signed_in_at)) is None
    assert use_link(client, path).status_code == 302  # the link was not spent


def test_a_viewer_of_one_page_gets_404_on_another_page_and_its_json(make_page, viewer_client):
    acme = make_page()
    make_page("globex", "Globex", ("mail",))
    client = viewer_client(acme)
    assert client.get("/p/acme").status_code == 200
    assert client.get("/p/acme/api/v2/summary.json").status_code == 200
    for url in ("/p/globex", "/p/globex/api/v2/summary.json", "/p/globex/subscribe"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Globex" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/p/acme", "/p/acme/api/v2/summary.json", "/p/acme/subscribe", "/p/nowhere"]
)
def test_anonymous_visitors_get_404_as_for_a_page_that_does_not_exist(client, make_page, url):
    make_page()
    response = client.get(url)
    assert response.status_code == 404
    unknown = url.replace("/p/acme", "/p/nowhere", 1).replace("/subscribe", "")
    assert response.get_data(as_text=True) == client.get(unknown).get_data(as_text=True)


def test_a_viewer_is_not_staff(make_page, viewer_client):
    client = viewer_client(make_page())
    for url in ("/admin/", "/admin/pages", "/internal/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")
    assert client.get("/api/v1/pages").status_code == 401


def test_removing_a_viewer_ends_its_session(make_page, viewer_client):
    page = make_page()
    client = viewer_client(page)
    assert client.get("/p/acme").status_code == 200
    viewers.remove_viewer(None, page.viewers[0])
    db.session.commit()
    assert client.get("/p/acme").status_code == 404
    assert client.get("/p/acme/api/v2/summary.json").status_code == 404


def test_signing_out_ends_the_session(make_page, viewer_client):
    client = viewer_client(make_page())
    form = client.get("/p/acme/subscribe").get_data(as_text=True)
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/p/sign-out", data={"csrf_token": token}).status_code == 200
    assert client.get("/p/acme").status_code == 404


def test_staff_may_preview_a_private_page(make_page, make_user, staff):
    make_page()
    assert staff(make_user("viewer")).get("/p/acme").status_code == 200
