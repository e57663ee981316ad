"""Serving from memory: ETags and 304s, gzip, cache headers, one render per change, no
stampede, and maintenance that starts on time with no worker running."""

from __future__ import annotations

import gzip
import threading
import time
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from sqlalchemy import update

from app.incidents.services import declare_incident, edit_incident
from app.maintenance.services import schedule_maintenance
from app.models import Component, Maintenance, PageState, utcnow
from app.status.cache import Page, PageCache
from app.status.components import set_component_status
from core.db import db

PUBLIC_URLS = ["/", "/history", "/api/v2/summary.json", "/api/v2/components.json"]


def renders(app) -> int:
    return app.extensions["herald_page_cache"].renders


def text_page(body: bytes, hours: float = 1) -> Page:
    now = utcnow()
    return Page(body, "text/plain", now, now + timedelta(hours=hours))


# ETag and 304 -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_repeat_request_with_the_etag_gets_304_and_no_body(client, make_component, url):
    make_component("API")
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["Vary"] == first.headers["Vary"]


@pytest.mark.parametrize(
    "header",
    ["W/{etag}", '"nope", {etag}', '"a",W/{etag} , "b"', "*"],
)
def test_weak_and_listed_etags_also_match(client, make_component, header):
    make_component("API")
    etag = client.get("/").headers["ETag"]
    response = client.get("/", headers={"If-None-Match": header.format(etag=etag)})
    assert response.status_code == 304


def test_an_etag_from_before_a_change_gets_the_new_page(client, make_component):
    api = make_component("API")
    etag = client.get("/").headers["ETag"]
    set_component_status(None, api, "major_outage")
    db.session.commit()
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert "Major outage" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_if_modified_since_the_last_change_gets_304(client, make_component, url):
    make_component("API")
    modified = client.get(url).headers["Last-Modified"]
    later = format_datetime(parsedate_to_datetime(modified) + timedelta(hours=1), usegmt=True)
    asctime = (parsedate_to_datetime(modified) + timedelta(hours=1)).strftime(
        "%a %b %e %H:%M:%S %Y"
    )
    for since in (modified, later, asctime):  # asctime dates carry no zone: UTC
        again = client.get(url, headers={"If-Modified-Since": since})
        assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    "headers",
    [
        {"If-Modified-Since": "{earlier}"},
        {"If-Modified-Since": "not a date"},
        # An ETag that does not match decides, whatever the date says (RFC 9110).
        {"If-Modified-Since": "{modified}", "If-None-Match": '"old"'},
    ],
)
def test_an_older_or_unreadable_date_or_an_old_etag_gets_the_page(client, make_component, headers):
    make_component("API")
    modified = client.get("/").headers["Last-Modified"]
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(hours=1), usegmt=True)
    sent = {k: v.format(modified=modified, earlier=earlier) for k, v in headers.items()}
    for url in ("/", "/?from=flask"):  # the WSGI fast path and the Flask view
        response = client.get(url, headers=sent)
        assert response.status_code == 200 and b"API" in response.data


def test_a_page_that_changes_with_time_alone_gets_a_new_last_modified(app):
    cache = PageCache()
    start = utcnow() - timedelta(days=1)  # the data last changed a day ago
    bodies = iter([b"ongoing for 1 min", b"ongoing for 2 min"])

    def render():
        return Page(next(bodies), "text/plain", start, utcnow() - timedelta(seconds=1))

    with app.app_context():
        first = cache.get("k", render)
        second = cache.get("k", render)  # valid_until has passed: rendered again
    assert first.etag != second.etag
    assert parsedate_to_datetime(first.last_modified) == start.replace(microsecond=0)
    assert parsedate_to_datetime(second.last_modified) > utcnow() - timedelta(minutes=1)


def test_json_304s_still_allow_any_origin(client, make_component):
    make_component("API")
    etag = client.get("/api/v2/status.json").headers["ETag"]
    response = client.get("/api/v2/status.json", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# gzip -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_gzip_is_served_when_accepted_and_holds_the_same_bytes(client, make_component, url):
    make_component("API")
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    zipped = client.get(url, headers={"Accept-Encoding": "br, gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data)
    assert "Accept-Encoding" in zipped.headers["Vary"]
    # Different bytes, different validators: a cache never mixes the two up.
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("header", ["identity", "gzip;q=0", "deflate"])
def test_gzip_is_not_sent_to_clients_that_refuse_it(client, make_component, header):
    make_component("API")
    response = client.get("/", headers={"Accept-Encoding": header})
    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(b"<!doctype html>")


# Headers for browsers and CDNs ------------------------------------------------------------


@pytest.mark.parametrize("url", [*PUBLIC_URLS, "/incidents/{id}", "/api/v2/incidents.json"])
def test_public_pages_may_be_cached_by_anyone_for_a_while(app, client, make_component, url):
    api = make_component("API")
    incident = declare_incident(None, "Blip", "minor", {api: "partial_outage"}, body="Hm.")
    db.session.commit()
    response = client.get(url.format(id=incident.public_id))
    assert response.status_code == 200
    directives = [d.strip() for d in response.headers["Cache-Control"].split(",")]
    assert "public" in directives
    assert f"max-age={app.config['CACHE_SECONDS']}" in directives
    assert parsedate_to_datetime(response.headers["Last-Modified"]).tzinfo is not None


def test_the_internal_page_is_private_to_the_signed_in_user(make_user, make_component, staff):
    make_component("API")
    response = staff(make_user("viewer")).get("/internal")
    assert response.status_code == 200
    directives = [d.strip() for d in response.headers["Cache-Control"].split(",")]
    assert "private" in directives
    assert "public" not in directives
    assert response.headers["ETag"]


def test_last_modified_is_when_the_page_content_last_changed(client, make_component):
    api = make_component("API")
    set_component_status(None, api, "degraded_performance")
    db.session.commit()
    response = client.get("/api/v2/status.json")
    changed = datetime.fromisoformat(response.get_json()["page"]["updated_at"])
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert modified == changed.replace(microsecond=0)


# One render per change --------------------------------------------------------------------


def test_each_page_renders_once_however_many_times_it_is_read(app, client, make_component):
    make_component("API")
    start = renders(app)
    for _ in range(5):
        etag = client.get("/").headers["ETag"]
        client.get("/", headers={"Accept-Encoding": "gzip"})
        client.get("/", headers={"If-None-Match": etag})
        client.get("/api/v2/summary.json")
        client.get("/history")
    assert renders(app) - start == 3  # the page, the JSON and the history: once each


def test_a_committed_change_is_served_on_the_next_request_rendered_once(
    app, client, make_component
):
    api = make_component("API")
    assert "All Systems Operational" in client.get("/").get_data(as_text=True)
    set_component_status(None, api, "partial_outage")
    db.session.commit()
    before = renders(app)
    for _ in range(10):
        html = client.get("/").get_data(as_text=True)
        assert "Partial System Outage" in html
    assert renders(app) - before == 1


def test_a_page_that_was_not_found_is_not_remembered(client, make_component):
    api = make_component("API")
    incident = declare_incident(
        None, "Quiet", "minor", {api: "partial_outage"}, body="Hm.", visibility="internal"
    )
    db.session.commit()
    url = f"/incidents/{incident.public_id}"
    assert client.get(url).status_code == 404
    edit_incident(None, incident, visibility="public")
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 200
    assert "Quiet" in response.get_data(as_text=True)


def test_a_change_committed_by_another_process_is_seen_at_the_next_version_check(
    client, make_component
):
    api = make_component("API")
    assert "All Systems Operational" in client.get("/").get_data(as_text=True)
    # Raw SQL, as another process would commit it: this process's cache hears nothing.
    db.session.execute(
        update(Component)
        .where(Component.id == api.id)
        .values(status="major_outage", effective_status="major_outage")
    )
    db.session.execute(update(PageState).values(version=PageState.version + 1))
    db.session.commit()
    assert "Major System Outage" in client.get("/").get_data(as_text=True)


# No stampede ------------------------------------------------------------------------------


def run_in_thread(app, target) -> threading.Thread:
    def work():
        with app.app_context():
            target()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_while_one_request_renders_the_others_get_the_stale_bytes_at_once(app, make_component):
    cache = PageCache()
    assert cache.get("page", lambda: text_page(b"old")).body == b"old"
    make_component("API")  # commits a new content version
    started, release = threading.Event(), threading.Event()
    got: dict[str, bytes] = {}

    def slow_render() -> Page:
        started.set()
        assert release.wait(10)
        return text_page(b"new")

    def must_not_render() -> Page:
        raise AssertionError("a second render ran while the first was under way")

    renderer = run_in_thread(
        app, lambda: got.setdefault("renderer", cache.get("page", slow_render).body)
    )
    assert started.wait(10)
    readers = [
        run_in_thread(
            app, lambda n=n: got.setdefault(f"r{n}", cache.get("page", must_not_render).body)
        )
        for n in range(5)
    ]
    for reader in readers:
        reader.join(5)
    waited = [reader.is_alive() for reader in readers]
    release.set()
    renderer.join(10)
    assert waited == [False] * 5, "readers queued behind the renderer"
    assert [got[f"r{n}"] for n in range(5)] == [b"old"] * 5
    assert got["renderer"] == b"new"
    assert cache.get("page", must_not_render).body == b"new"
    assert cache.renders == 2


def test_requests_for_a_page_never_rendered_share_one_render(app):
    cache = PageCache()
    started, release = threading.Event(), threading.Event()
    calls = []
    got = []

    def render() -> Page:
        calls.append(1)
        started.set()
        release.wait(10)
        return text_page(b"first")

    threads = [run_in_thread(app, lambda: got.append(cache.get("new", render).body))]
    assert started.wait(10)
    threads += [
        run_in_thread(app, lambda: got.append(cache.get("new", render).body)) for _ in range(4)
    ]
    time.sleep(0.05)  # let them reach the lock; the outcome is the same if they do not
    release.set()
    for thread in threads:
        thread.join(10)
    assert got == [b"first"] * 5
    assert len(calls) == 1 and cache.renders == 1


def test_a_failed_render_leaves_the_key_free_for_the_next_request(app):
    cache = PageCache()

    def broken() -> Page:
        raise RuntimeError("template error")

    with pytest.raises(RuntimeError):
        cache.get("page", broken)
    assert cache.get("page", lambda: text_page(b"ok")).body == b"ok"


def test_an_entry_past_its_valid_until_is_rendered_again(app):
    cache = PageCache()
    cache.get("page", lambda: text_page(b"short", hours=-1))
    assert cache.get("page", lambda: text_page(b"fresh")).body == b"fresh"
    assert cache.renders == 2


# Maintenance by the clock, with no worker ------------------------------------------------


def test_maintenance_whose_start_has_passed_shows_in_progress_with_no_worker(
    client, make_component
):
    api = make_component("API")
    now = utcnow()
    window = schedule_maintenance(
        None, "Disk swap", now + timedelta(hours=1), now + timedelta(hours=2), [api], body="Swap."
    )
    db.session.commit()
    db.session.execute(
        update(Maintenance)
        .where(Maintenance.id == window.id)
        .values(scheduled_for=now - timedelta(minutes=1))
    )
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Maintenance in progress" in html
    assert "Service Under Maintenance" in html
    db.session.expire_all()
    # Shown from the clock, not written: the worker commits the start.
    assert window.status == "scheduled" and api.status == "operational"


def test_a_cached_page_turns_over_when_a_maintenance_window_starts(client, make_component):
    api = make_component("API")
    start = utcnow() + timedelta(seconds=2)
    schedule_maintenance(
        None, "Quick restart", start, start + timedelta(hours=1), [api], body="Restart."
    )
    db.session.commit()
    before = client.get("/").get_data(as_text=True)
    if utcnow() < start:  # a very slow machine may already be past the start
        assert "Scheduled maintenance" in before and "Maintenance in progress" not in before
    time.sleep(max(0.0, (start - utcnow()).total_seconds()) + 0.1)
    after = client.get("/").get_data(as_text=True)
    assert "Maintenance in progress" in after
    assert "Under maintenance" in after


def test_requests_for_made_up_addresses_leave_nothing_behind(app, client):
    cache = app.extensions["herald_page_cache"]
    for n in range(50):
        assert client.get(f"/incidents/made-up-{n}").status_code == 404
        assert client.get(f"/maintenance/made-up-{n}").status_code == 404
    assert not [key for key in cache._locks if "made-up" in key]
    assert not [key for key in cache._entries if "made-up" in key]


def test_public_pages_do_not_vary_on_cookies_even_for_signed_in_staff(client, staff, make_user):
    """A CDN keeps one copy of the JSON, not one per visitor's cookie; the HTML pages vary
    only by language (app.i18n: the language cookie or Accept-Language), and no page
    writes a cookie."""
    for path in ("/", "/api/v2/summary.json", "/history"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers
    assert "Cookie" not in client.get("/api/v2/summary.json").headers["Vary"]
    assert client.get("/").headers["Vary"] == "Accept-Encoding, Accept-Language, Cookie"
    signed_in = staff(make_user("viewer"))
    response = signed_in.get("/api/v2/summary.json")
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in signed_in.get("/").headers
    assert signed_in.get("/internal").status_code == 200  # the session still works
