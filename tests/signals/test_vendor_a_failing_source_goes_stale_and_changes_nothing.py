"""The poller: conditional GETs, jittered intervals, backoff after failures, "stale"
after three failures or three intervals without success, a malformed document as the
source's error, one poll per source however many pollers run, and on the worker's
polling thread rounds that never wait for the network."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Component, VendorSource
from app.signals.polling import MAX_BACKOFF_SECONDS, backoff_seconds, jittered, poll_due
from app.signals.vendors import create_source, handle
from core.db import db
from core.time import utcnow
from subscribers.worker import SLOW_THREAD_NAME
from tests.signals.vendor_fake import FakeVendor, statuspage_summary
from tests.signals.vendor_world import ensure_suggestions_can_be_notified
from tests.waiting import wait_until

PATH = "/api/v2/summary.json"


@pytest.fixture
def vendor():
    with FakeVendor() as fake:
        fake.documents[PATH] = statuspage_summary(
            {"API": "major_outage"}, updated_at="2026-12-07T08:10:00.000Z"
        )
        yield fake


@pytest.fixture
def source(app, vendor, make_component):
    ensure_suggestions_can_be_notified()
    api = make_component("Public API")
    made = create_source(
        None, name="Acme Payments", url=vendor.url + PATH, components={"API": api.id}
    )
    db.session.commit()
    return made


def state():
    db.session.expire_all()
    return db.session.scalar(select(VendorSource))


def status() -> str:
    return db.session.scalar(select(Component.status).where(Component.name == "Public API"))


def test_a_304_parses_nothing_and_keeps_the_state(vendor, source):
    now = utcnow()
    poll_due(VendorSource, handle, now=now)
    first = state()
    assert first.etag and first.last_modified == vendor.last_modified
    assert status() == "major_outage"
    poll_due(VendorSource, handle, now=first.next_poll_at)
    sent = vendor.hits(PATH)[-1]["headers"]
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == vendor.last_modified
    again = state()
    assert again.poll_state == "ok" and again.last_error == ""
    assert again.snapshot["components"] == [{"name": "API", "status": "major_outage"}]
    assert status() == "major_outage"


def test_next_polls_are_jittered_up_to_ten_percent_sooner_never_later(vendor, source):
    now = utcnow()
    poll_due(VendorSource, handle, now=now)
    delay = (state().next_poll_at - now).total_seconds()
    assert 54 <= delay <= 60
    samples = [jittered(60) for _ in range(2000)]
    assert min(samples) >= 54 and max(samples) <= 60  # within the interval
    assert max(samples) - min(samples) > 4  # really spread


def test_failures_back_off_go_stale_and_never_change_a_status(vendor, source):
    now = utcnow()
    poll_due(VendorSource, handle, now=now)
    assert status() == "major_outage"

    vendor.mode[PATH] = ("status", 500)
    at = now
    delays = []
    states = []
    for _ in range(3):
        at = state().next_poll_at
        assert poll_due(VendorSource, handle, now=at) == 1
        row = state()
        delays.append((row.next_poll_at - at).total_seconds())
        states.append(row.poll_state)
    # The second failure comes about three intervals after the last success (60 s, then
    # a doubled wait), so it may already count as stale; the third always does.
    assert states[0] == "failing" and states[2] == "stale"
    assert row.last_error == "The server answered HTTP 500."
    assert row.failures == 3
    # Doubling waits; the second is cut short to the moment three intervals without an
    # answer make the source stale (it is tried then, not a whole backoff later).
    assert 108 <= delays[0] <= 132 and delays[1] <= 264 and 432 <= delays[2] <= 528
    assert status() == "major_outage"  # nothing claimed from a failed poll
    # Not due yet: nothing is polled.
    assert poll_due(VendorSource, handle, now=at + timedelta(seconds=30)) == 0

    # A stale source serving something else only once it answers again.
    vendor.mode.pop(PATH)
    vendor.documents[PATH] = statuspage_summary(
        {"API": "operational"}, updated_at="2026-12-07T08:40:00.000Z"
    )
    poll_due(VendorSource, handle, now=row.next_poll_at)
    row = state()
    assert (row.poll_state, row.failures, row.last_error) == ("ok", 0, "")
    assert status() == "operational"


def test_backoff_is_capped_at_fifteen_minutes(source):
    source.failures = 12
    assert backoff_seconds(source) == MAX_BACKOFF_SECONDS == 900
    source.failures = 1
    assert backoff_seconds(source) == 120


def test_three_failures_in_a_row_are_stale_however_long_the_interval(vendor, source):
    source.poll_seconds = 3600
    db.session.commit()
    vendor.mode[PATH] = ("status", 500)
    at = utcnow()
    seen = []
    for _ in range(3):
        poll_due(VendorSource, handle, now=at)
        row = state()
        seen.append(row.poll_state)
        # Never sooner than the interval itself, whatever the backoff.
        assert 3600 * 0.9 <= (row.next_poll_at - at).total_seconds() <= 3600 * 1.1
        at = row.next_poll_at
    assert seen == ["failing", "failing", "stale"]


def test_no_success_for_three_intervals_is_stale_after_one_failure(vendor, source):
    now = utcnow()
    poll_due(VendorSource, handle, now=now)
    vendor.mode[PATH] = ("status", 503)
    poll_due(VendorSource, handle, now=now + timedelta(seconds=181))
    row = state()
    assert row.failures == 1 and row.poll_state == "stale"


def test_a_malformed_document_is_the_sources_error_never_a_crash(vendor, source):
    vendor.documents[PATH] = b'{"page": {"name": "Acme"}, "components": "all good"'
    assert poll_due(VendorSource, handle, now=utcnow()) == 1
    row = state()
    assert row.poll_state == "failing"
    assert row.last_error.startswith("Unreadable document: not JSON")
    assert row.snapshot == {}
    assert status() == "operational"
    vendor.documents[PATH] = b'{"components": [{"name": "API", "status": "on fire"}]}'
    poll_due(VendorSource, handle, now=row.next_poll_at)
    assert "unknown status 'on fire'" in state().last_error


def test_a_slow_vendor_times_out_as_an_error(vendor, source):
    vendor.mode[PATH] = ("slow", 2)
    poll_due(VendorSource, handle, now=utcnow(), timeout=0.5)
    row = state()
    assert row.poll_state == "failing" and row.last_error.startswith("Timed out")


def test_two_pollers_poll_each_source_once(app, vendor, source, make_component):
    for n in range(3):
        create_source(None, name=f"Vendor {n}", url=f"{vendor.url}/v{n}{PATH}", components={})
        vendor.documents[f"/v{n}{PATH}"] = statuspage_summary({"API": "operational"})
    db.session.commit()
    vendor.mode.update(dict.fromkeys(list(vendor.documents), ("slow", 0.4)))
    now = utcnow()
    counts = []
    errors = []

    def poller():
        try:
            with app.app_context():
                counts.append(poll_due(VendorSource, handle, now=now))
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(counts) == 4
    assert len(vendor.requests) == 4
    assert sorted(r["path"] for r in vendor.requests) == sorted(vendor.documents)
    assert all(row.claimed_until is None for row in db.session.scalars(select(VendorSource)))


def on_polling_thread(work):
    """Run ``work()`` on a thread named as the worker's polling thread; its result."""
    result = {}

    def run():
        result["value"] = work()

    thread = threading.Thread(target=run, name=SLOW_THREAD_NAME)
    thread.start()
    thread.join(30)
    return result["value"]


def test_a_slow_vendor_does_not_hold_a_round_and_is_applied_when_it_answers(app, vendor, source):
    vendor.mode[PATH] = ("slow", 1.5)  # seconds before the fake answers
    app_context = app.app_context

    def round_():
        with app_context():
            count = poll_due(VendorSource, handle)
            db.session.remove()
            return count

    # Started the fetch and applied nothing: had the round waited for the answer, it
    # would have applied it (as the blocking path does) and counted 1.
    assert on_polling_thread(round_) == 0
    db.session.expire_all()
    assert state().last_polled_at is None
    # Once the answer arrives, a later round applies it.
    wait_until(lambda: on_polling_thread(round_) == 1, 20, "the slow answer to be applied")
    db.session.expire_all()
    polled = state()
    assert polled.poll_state == "ok"
    # Scheduled from the fetch's start: the wait is the interval, not interval + fetch.
    assert polled.next_poll_at - polled.last_polled_at <= timedelta(seconds=polled.poll_seconds)


def test_a_failing_source_is_tried_again_when_it_would_turn_stale(vendor, source):
    """Found by a new user: polled every 30 s, a dead source said "failing" for four
    minutes, though three intervals without an answer make it stale."""
    source.poll_seconds = 30
    db.session.commit()
    now = utcnow()
    poll_due(VendorSource, handle, now=now)
    vendor.mode[PATH] = ("status", 500)
    stale_at = state().last_success_at + timedelta(seconds=90)
    seen = []
    while not seen or seen[-1][0] != "stale":
        at = state().next_poll_at
        assert at <= stale_at  # never a backoff past the moment it turns stale
        poll_due(VendorSource, handle, now=at)
        seen.append((state().poll_state, at))
    assert [s for s, _ in seen][:-1] == ["failing"] * (len(seen) - 1)
    assert seen[-1][1] == stale_at  # said stale at that very moment
