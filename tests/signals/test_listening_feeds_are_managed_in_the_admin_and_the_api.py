"""Listening feeds are added, changed and deleted in the admin (with CSRF) and through
the API; every bad input answers 400 (or 409 for a taken name) and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.api.tokens import create_token
from app.models import ListeningFeed, Mention
from app.signals.fetch import Fetched
from app.signals.listening import create_feed
from app.signals.listening_items import handle
from core.db import db
from tests.api.helpers import ApiClient, error_of
from tests.signals.listening_feeds import forum_search, minutes_ago
from tests.snapshot import snapshot

GOOD = {
    "name": "Forum search",
    "url": "https://forum.example.net/search.rss?q=acme",
    "keywords": "checkout\nlogin",
    "poll_seconds": "120",
    "alert_threshold": "5",
    "enabled": "y",
}


@pytest.fixture
def api(app):
    """``api(user)``: a client sending a new API token of ``user``."""

    def make(user) -> ApiClient:
        _, plain = create_token(user, "listening")
        db.session.commit()
        return ApiClient(app.test_client(), plain)

    return make


def feeds() -> list[ListeningFeed]:
    return list(db.session.scalars(select(ListeningFeed).order_by(ListeningFeed.id)))


def test_an_admin_adds_edits_and_deletes_a_feed(app, make_user, staff):
    client = staff(make_user("admin"))

    assert client.get("/admin/listening").status_code == 200
    response = client.post("/admin/listening", data=GOOD)
    assert response.status_code == 302
    (feed,) = feeds()
    assert (feed.name, feed.keywords, feed.poll_seconds, feed.alert_threshold) == (
        "Forum search",
        "checkout\nlogin",
        120,
        5,
    )
    page = client.get("/admin/listening").get_data(as_text=True)
    assert "Forum search" in page and "checkout, login" in page

    edited = client.post(f"/admin/listening/{feed.id}", data={**GOOD, "keywords": ""})
    assert edited.status_code == 302
    db.session.refresh(feed)
    assert feed.keywords == ""

    assert client.post(f"/admin/listening/{feed.id}/delete").status_code == 302
    assert feeds() == []


def test_the_admin_list_shows_a_stale_feed_and_its_last_error(app, make_user, staff):
    feed = create_feed(None, "Broken forum", "https://forum.example.net/x.rss")
    feed.poll_state, feed.last_error = "stale", "HTTP 500 from forum.example.net"
    db.session.commit()

    page = staff(make_user("admin")).get("/admin/listening").get_data(as_text=True)

    assert "stale" in page and "HTTP 500 from forum.example.net" in page


@pytest.mark.parametrize(
    "change",
    [
        {"url": "javascript:alert(1)"},
        {"url": "ftp://forum.example.net/feed"},
        {"url": ""},
        {"name": ""},
        {"name": "x" * 121},
        {"poll_seconds": "5"},
        {"poll_seconds": "ten"},
        {"alert_threshold": "0"},
        {"keywords": "\n".join(f"k{n}" for n in range(51))},
    ],
)
def test_bad_admin_input_answers_400_and_changes_nothing(app, make_user, staff, change):
    client = staff(make_user("admin"))
    existing = create_feed(None, "Kept", "https://forum.example.net/kept.rss")
    db.session.commit()
    before = snapshot()

    assert client.post("/admin/listening", data={**GOOD, **change}).status_code == 400
    assert (
        client.post(f"/admin/listening/{existing.id}", data={**GOOD, **change}).status_code == 400
    )

    assert snapshot() == before


def test_admin_posts_without_csrf_or_permission_change_nothing(app, make_user, staff):
    feed = create_feed(None, "Kept", "https://forum.example.net/kept.rss")
    db.session.commit()
    admin = staff(make_user("admin"))
    responder = staff(make_user("responder"))
    before = snapshot()

    admin.token = "forged"
    assert admin.post("/admin/listening", data=GOOD).status_code == 400
    assert admin.post(f"/admin/listening/{feed.id}/delete").status_code == 400
    assert responder.post("/admin/listening", data=GOOD).status_code == 403
    assert snapshot() == before


def test_the_api_manages_feeds(app, api, make_user):
    client = api(make_user("admin"))

    created = client.post(
        "/api/v1/listening-feeds",
        json={
            "name": "Mastodon",
            "url": "https://social.example.org/tags/acme.atom",
            "keywords": ["Checkout", "payments down"],
            "alert_threshold": 3,
        },
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["keywords"] == ["Checkout", "payments down"]
    assert body["state"] == "new" and body["stale"] is False and body["poll_seconds"] == 60
    feed_id = body["id"]

    listed = client.get("/api/v1/listening-feeds").get_json()["listening_feeds"]
    assert [f["id"] for f in listed] == [feed_id]
    assert client.get(f"/api/v1/listening-feeds/{feed_id}").get_json()["name"] == "Mastodon"

    patched = client.patch(
        f"/api/v1/listening-feeds/{feed_id}", json={"poll_seconds": 300, "enabled": False}
    )
    assert patched.status_code == 200
    assert (patched.get_json()["poll_seconds"], patched.get_json()["enabled"]) == (300, False)

    assert client.send("DELETE", f"/api/v1/listening-feeds/{feed_id}").status_code == 204
    assert feeds() == []
    error_of(client.get(f"/api/v1/listening-feeds/{feed_id}"), 404)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A"}, "url"),
        ({"name": "A", "url": "gopher://x"}, "url"),
        ({"name": "A", "url": "https://x.example/f", "poll_seconds": 10}, "poll_seconds"),
        ({"name": "A", "url": "https://x.example/f", "poll_seconds": "60"}, "poll_seconds"),
        ({"name": "A", "url": "https://x.example/f", "poll_seconds": True}, "poll_seconds"),
        ({"name": "A", "url": "https://x.example/f", "alert_threshold": -1}, "alert_threshold"),
        ({"name": "A", "url": "https://x.example/f", "keywords": [1]}, "keywords"),
        ({"name": "A", "url": "https://x.example/f", "keywords": ["a\nb"]}, "keywords"),
        ({"name": "A", "url": "https://x.example/f", "colour": "red"}, "colour"),
        ({"name": ["A"], "url": "https://x.example/f"}, "name"),
    ],
)
def test_bad_api_bodies_answer_400_and_change_nothing(app, api, make_user, payload, field):
    client = api(make_user("admin"))
    feed = create_feed(None, "Kept", "https://forum.example.net/kept.rss")
    db.session.commit()
    before = snapshot()

    assert error_of(client.post("/api/v1/listening-feeds", json=payload), 400)["field"] == field
    patch = {k: v for k, v in payload.items() if k != "name" or field == "name"}
    patch = patch if field in patch else {"name": ""}
    error_of(client.patch(f"/api/v1/listening-feeds/{feed.public_id}", json=patch), 400)

    assert snapshot() == before


def test_the_api_refuses_a_taken_name_an_empty_patch_and_a_viewer(app, api, make_user):
    create_feed(None, "Kept", "https://forum.example.net/kept.rss")
    db.session.commit()
    client = api(make_user("admin"))
    viewer = api(make_user("viewer"))
    before = snapshot()

    body = {"name": "kept", "url": "https://forum.example.net/other.rss"}
    assert error_of(client.post("/api/v1/listening-feeds", json=body), 409)["field"] == "name"
    kept = feeds()[0]
    error_of(client.patch(f"/api/v1/listening-feeds/{kept.public_id}", json={}), 400)
    error_of(client.patch(f"/api/v1/listening-feeds/{kept.public_id}", json={"url": None}), 400)
    error_of(viewer.post("/api/v1/listening-feeds", json=body), 403)
    assert snapshot() == before


def test_mentions_since_a_time(app, api, make_user):
    feed = create_feed(None, "Forum", "https://forum.example.net/search.rss", alert_threshold=99)
    db.session.commit()
    posts = [
        {"guid": "new", "title": "Herald Status <b>down</b>", "at": minutes_ago(5)},
        {"guid": "old", "title": "Herald Status was down", "at": minutes_ago(120)},
    ]
    handle(feed, Fetched(200, forum_search(posts), "", "", False))
    db.session.commit()
    client = api(make_user("viewer"))

    recent = client.get(
        "/api/v1/mentions?since=" + minutes_ago(30).isoformat().replace("+00:00", "Z")
    )
    assert recent.status_code == 200
    (only,) = recent.get_json()["mentions"]
    assert only["title"] == "Herald Status down" and only["source"] == "Forum"
    assert len(client.get("/api/v1/mentions").get_json()["mentions"]) == 2
    assert db.session.scalar(select(Mention.id).limit(1))

    error_of(client.get("/api/v1/mentions?since=yesterday"), 400)
    error_of(client.get("/api/v1/mentions?since=2026-01-01T00:00:00"), 400)  # no offset
    error_of(client.get("/api/v1/mentions?limit=5"), 400)


def test_deep_or_unexpected_bodies_answer_400_whatever_the_id(app, api, make_user):
    client = api(make_user("admin"))
    feed = create_feed(None, "Kept", "https://forum.example.net/kept.rss")
    db.session.commit()
    before = snapshot()
    deep = "[" * 100_000 + "]" * 100_000

    for method, url in [
        ("POST", "/api/v1/listening-feeds"),
        ("PATCH", f"/api/v1/listening-feeds/{feed.public_id}"),
        ("PATCH", "/api/v1/listening-feeds/nosuchfeed"),
        ("DELETE", f"/api/v1/listening-feeds/{feed.public_id}"),
        ("DELETE", "/api/v1/listening-feeds/nosuchfeed"),
    ]:
        response = client.send(method, url, data=deep, content_type="application/json")
        assert "nested" in error_of(response, 400)["message"], (method, url)
    response = client.send(
        "DELETE", f"/api/v1/listening-feeds/{feed.public_id}", json={"really": True}
    )
    error_of(response, 400)

    assert snapshot() == before
