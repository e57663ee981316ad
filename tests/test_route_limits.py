"""Rate limits on chosen routes (app.route_limits): counted per route and per client,
only for the methods named, and nothing at all on the other requests."""

from __future__ import annotations

import re

import pytest
from flask import Flask, request

from app.route_limits import RouteLimiter, wait_words


def test_no_rate_limit_work_runs_before_every_request(app):
    hooks = [hook for funcs in app.before_request_funcs.values() for hook in funcs]
    names = [f"{hook.__module__}.{hook.__qualname__}" for hook in hooks]
    assert not [name for name in names if "limit" in name.lower()], names


@pytest.fixture
def limited():
    limiter = RouteLimiter()
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)

    @app.route("/a", methods=["GET", "POST"])
    @limiter.limit(lambda: app.config["RATE"], methods=["post"], error_message="Slow down.")
    def a():
        return "a"

    @app.post("/b")
    @limiter.limit("1 per minute")
    def b():
        return "b"

    @app.post("/c")
    @limiter.limit(
        "1 per minute",
        key_func=lambda: request.form.get("who", ""),
        exempt_when=lambda: request.form.get("who") == "staff",
    )
    def c():
        return ("", 303) if request.form.get("ok") else ("", 200)

    app.config["RATE"] = "2 per minute;3 per hour"
    return app


def test_a_client_is_refused_once_the_shortest_window_is_used_up(limited):
    client = limited.test_client()
    assert [client.post("/a").status_code for _ in range(3)] == [200, 200, 429]
    refused = client.post("/a")
    assert refused.status_code == 429 and b"Slow down." in refused.data
    assert client.get("/a").status_code == 200  # only POST is limited
    assert client.post("/b").status_code == 200  # each route counts apart
    other = limited.test_client()
    response = other.post("/a", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 200  # and each client address


def test_the_rate_is_read_from_settings_at_request_time(limited):
    limited.config["RATE"] = "1 per minute"
    client = limited.test_client()
    assert [client.post("/a").status_code for _ in range(2)] == [200, 429]


def test_a_limit_can_be_switched_off(limited):
    limited.config["RATELIMIT_ENABLED"] = False
    client = limited.test_client()
    assert {client.post("/b").status_code for _ in range(3)} == {200}


def test_every_try_counts_before_the_view_runs_whatever_it_answers(limited):
    """Counting only what succeeded meant checking first and counting after: requests
    arriving together all passed the check (found in review)."""
    client = limited.test_client()
    assert client.post("/c", data={"who": "ann"}).status_code == 200  # counted too
    assert client.post("/c", data={"who": "ann", "ok": "1"}).status_code == 429
    assert client.post("/c", data={"who": "bob", "ok": "1"}).status_code == 303  # its own key


def test_exempt_requests_and_requests_without_a_key_are_not_limited(limited):
    client = limited.test_client()
    for who in ("staff", ""):
        statuses = {client.post("/c", data={"who": who, "ok": "1"}).status_code for _ in "xyz"}
        assert statuses == {303}


def test_production_warns_that_memory_counts_each_process_apart(caplog):
    from app.route_limits import RouteLimiter

    for env, warned in (("production", True), ("development", False)):
        caplog.clear()
        app = Flask(__name__)
        app.config.update(HERALD_ENV=env, RATELIMIT_STORAGE_URI="memory://")
        RouteLimiter().init_app(app)
        assert ("counted in each process apart" in caplog.text) is warned


@pytest.fixture
def hourly():
    """A route allowing 5 a minute and 2 an hour: the hour's window is the one used up."""
    limiter = RouteLimiter()
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)

    @app.post("/h")
    @limiter.limit("5 per minute;2 per hour", error_message="Too many. Try again in {wait}.")
    def h():
        return "h"

    @app.post("/m")
    @limiter.limit("1 per minute")
    def m():
        return "m"

    return app


def test_the_refusal_says_how_long_the_window_that_was_hit_lasts(hourly):
    client = hourly.test_client()
    assert [client.post("/h").status_code for _ in range(3)] == [200, 200, 429]
    refused = client.post("/h")
    # The hourly window refused: a minute later it still would, so it says so.
    wait = int(refused.headers["Retry-After"])
    assert 3500 < wait <= 3600
    assert "Try again in 60 minutes." in refused.get_data(as_text=True)

    assert client.post("/m").status_code == 200
    minute = client.post("/m")
    assert minute.status_code == 429 and 0 < int(minute.headers["Retry-After"]) <= 60
    assert re.search(r"Try again in (\d+ seconds?|1 minute)\.", minute.get_data(as_text=True))


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (42, "42 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (3600, "60 minutes"),
        (7200, "2 hours"),
        (7201, "3 hours"),
    ],
)
def test_the_wait_is_said_in_words(seconds, words):
    assert wait_words(seconds) == words
