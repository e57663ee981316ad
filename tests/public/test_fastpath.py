"""The WSGI fast path answers fresh cached pages exactly as the Flask views do."""

import gzip
import time

import pytest
from sqlalchemy import update

from app.models import PageState
from app.status.components import set_component_status
from core.db import db


@pytest.fixture
def fast(app):
    app.config["CACHE_CHECK_SECONDS"] = 60
    return app.wsgi_app


def headers_of(response):
    return sorted((k, v) for k, v in response.headers.items() if k != "Date")


@pytest.mark.parametrize(
    "path", ["/", "/api/v2/summary.json", "/api/v2/status.json", "/history.rss"]
)
@pytest.mark.parametrize("encoding", ["", "gzip, deflate, br"])
def test_a_fresh_page_is_served_without_flask_with_the_same_bytes_and_headers(
    client, make_component, fast, path, encoding
):
    make_component("API")
    by_flask = client.get(path, headers={"Accept-Encoding": encoding})
    assert fast.served == 0
    by_fast_path = client.get(path, headers={"Accept-Encoding": encoding})
    assert fast.served == 1
    assert by_fast_path.status_code == by_flask.status_code == 200
    assert by_fast_path.data == by_flask.data
    assert headers_of(by_fast_path) == headers_of(by_flask)
    if encoding:
        assert by_fast_path.headers["Content-Encoding"] == "gzip"
        gzip.decompress(by_fast_path.data)


def test_the_fast_path_answers_revalidation_and_head(client, make_component, fast):
    make_component("API")
    first = client.get("/api/v2/summary.json")
    etag = first.headers["ETag"]
    again = client.get("/api/v2/summary.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    head = client.head("/api/v2/summary.json")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))
    assert fast.served == 2


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/?x=1", {}), ("/", {"Accept-Encoding": "gzip;q=0"}), ("/history", {})],
)
def test_anything_unusual_goes_through_flask(client, make_component, fast, path, headers):
    make_component("API")
    client.get(path, headers=headers)
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert fast.served == 0
    if "q=0" in headers.get("Accept-Encoding", ""):
        assert "Content-Encoding" not in response.headers


def test_a_change_made_in_this_process_is_served_at_once(client, make_component, fast):
    api = make_component("API")
    assert b"Major outage" not in client.get("/").data
    set_component_status(None, api, "major_outage")
    db.session.commit()  # the commit tells this process's cache to check again
    response = client.get("/")
    assert b"Major outage" in response.data
    assert fast.served == 0  # the check was due: Flask looked at the version


def test_a_change_from_another_process_is_served_after_the_check_interval(
    app, client, make_component, fast
):
    make_component("API")
    client.get("/")
    # Another process commits a change: this process only learns of it by checking.
    db.session.execute(update(PageState).values(version=PageState.version + 100))
    db.session.commit()
    cache = app.extensions["herald_page_cache"]
    cache._checked_at = time.monotonic()  # the check was just made
    client.get("/")
    assert fast.served == 1  # still the old bytes, within the interval
    app.config["CACHE_CHECK_SECONDS"] = 0
    renders = cache.renders
    client.get("/")
    assert cache.renders == renders + 1
