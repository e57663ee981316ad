"""Fetching a vendor's document: a conditional GET (ETag, If-Modified-Since), a whole-
exchange deadline, a 2 MB cap, and every failure a readable FetchError."""

from __future__ import annotations

import pytest

from app.signals.fetch import FetchError, fetch
from tests.signals.vendor_fake import FakeVendor, statuspage_summary

PATH = "/api/v2/summary.json"


@pytest.fixture
def vendor():
    with FakeVendor() as fake:
        fake.documents[PATH] = statuspage_summary({"API": "operational"})
        yield fake


def test_a_second_fetch_is_conditional_and_a_304_keeps_the_validators(vendor):
    first = fetch(vendor.url + PATH, allow_private=True)
    assert first.status == 200 and not first.not_modified
    assert b'"components"' in first.body
    assert first.etag.startswith('"') and first.last_modified == vendor.last_modified

    again = fetch(
        vendor.url + PATH,
        etag=first.etag,
        last_modified=first.last_modified,
        allow_private=True,
    )
    assert again.not_modified and again.status == 304 and again.body == b""
    assert (again.etag, again.last_modified) == (first.etag, first.last_modified)
    sent = vendor.hits(PATH)[-1]["headers"]
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == vendor.last_modified

    only_date = fetch(vendor.url + PATH, last_modified=first.last_modified, allow_private=True)
    assert only_date.not_modified
    assert "If-None-Match" not in vendor.hits(PATH)[-1]["headers"]


def test_a_slow_vendor_is_cut_off_at_the_deadline(vendor):
    vendor.mode[PATH] = ("slow", 3)
    # The fake holds its answer for 3 s: "Timed out" means the 0.5 s deadline cut it off.
    with pytest.raises(FetchError, match="Timed out"):
        fetch(vendor.url + PATH, timeout=0.5, allow_private=True)


def test_a_server_error_an_oversized_body_and_a_missing_page_are_errors(vendor):
    vendor.mode[PATH] = ("status", 500)
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch(vendor.url + PATH, allow_private=True)
    vendor.mode[PATH] = ("oversized", 2 * 1024 * 1024 + 10)
    with pytest.raises(FetchError, match="larger than 2048 KiB"):
        fetch(vendor.url + PATH, allow_private=True)
    del vendor.mode[PATH]
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(vendor.url + "/nothing-here", allow_private=True)


def test_private_addresses_and_bad_urls_are_refused(vendor):
    with pytest.raises(FetchError, match="private, loopback"):
        fetch(vendor.url + PATH, allow_private=False)
    assert vendor.hits(PATH) == []
    for url in ("ftp://example.com/x", "not a url", "http:///nohost"):
        with pytest.raises(FetchError, match="http:// or https://"):
            fetch(url, allow_private=True)


def test_an_app_in_production_refuses_private_addresses_by_default(app, vendor):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    with pytest.raises(FetchError, match="private, loopback"):
        fetch(vendor.url + PATH)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert fetch(vendor.url + PATH).status == 200
