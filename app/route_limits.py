"""Rate limits on the few routes that need one (sign-in, sign-up, codes), counted by the
``limits`` library.

Only a decorated route pays for a check: nothing runs before other requests, so the
public page, read hardest on an outage day, does no rate-limit work at all. Settings:
``RATELIMIT_STORAGE_URI`` (``memory://`` or ``redis://…``, see README) and
``RATELIMIT_ENABLED``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from functools import wraps

from flask import Flask, after_this_request, current_app, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

_EXTENSION = "herald_route_limits"
log = logging.getLogger(__name__)


def remote_address() -> str:
    """The client's address (behind proxies, as ProxyFix read it from X-Forwarded-For)."""
    return request.remote_addr or "127.0.0.1"


class RouteLimiter:
    """``@limiter.limit("5 per minute;30 per hour", methods=["POST"])`` on a view. The
    rate may be a callable returning the string, read at request time (from settings)."""

    def __init__(self, key_func: Callable[[], str] = remote_address):
        self.key_func = key_func

    def init_app(self, app: Flask) -> None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        if uri.startswith("memory://") and app.config.get("HERALD_ENV") == "production":
            log.warning(
                "rate limits are counted in each process apart (memory://): with several "
                "gunicorn workers a limit is multiplied by their number; set "
                "HERALD_RATELIMIT_STORAGE_URL=redis://…"
            )
        app.extensions[_EXTENSION] = FixedWindowRateLimiter(storage_from_string(uri))

    def limit(
        self,
        rate: str | Callable[[], str],
        *,
        methods: Iterable[str] | None = None,
        key_func: Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        error_message: str | None = None,
    ):
        """Refuse a client with 429 and ``error_message`` once it has used ``rate``.

        ``{wait}`` in ``error_message`` becomes how long until the window that was used
        up starts again ("42 seconds", "38 minutes"); the answer's Retry-After says the
        same in seconds. ``exempt_when()`` true: this request is not limited."""
        only = {method.upper() for method in methods} if methods else None
        keyed = key_func or self.key_func

        def decorate(view):
            scope = f"{view.__module__}.{view.__qualname__}"

            @wraps(view)
            def limited(*args, **kwargs):
                if (
                    (only is not None and request.method not in only)
                    or not current_app.config.get("RATELIMIT_ENABLED", True)
                    or (exempt_when is not None and exempt_when())
                ):
                    return view(*args, **kwargs)
                key = keyed()
                if not key:  # nothing to count by
                    return view(*args, **kwargs)
                # Counted before the view runs, in one atomic step per window: requests
                # that arrive together cannot all pass a check made before any counts.
                items = sorted(parse_many(rate() if callable(rate) else rate))
                _hit(items, scope, key, error_message)
                return view(*args, **kwargs)

            return limited

        return decorate


def _window() -> FixedWindowRateLimiter:
    return current_app.extensions[_EXTENSION]


def wait_words(seconds: int) -> str:
    """How long to wait, as a person would say it: "40 seconds", "1 minute", "2 hours"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{math.ceil(minutes / 60)} hours"


def _refuse(item, scope: str, key: str, error_message: str | None):
    # The wait comes from the window that refused: an hourly limit still refuses a
    # minute later, so "wait a minute" would be wrong.
    reset_at = _window().get_window_stats(item, scope, key).reset_time
    seconds = max(1, math.ceil(reset_at - time.time()))

    @after_this_request
    def retry_after(response):
        # Set here, not on the exception: the app's error page builds a new response.
        response.headers["Retry-After"] = str(seconds)
        return response

    message = error_message or f"Rate limit: {item}. Try again in {{wait}}."
    raise TooManyRequests(
        description=message.replace("{wait}", wait_words(seconds)), retry_after=seconds
    )


def _hit(items, scope: str, key: str, error_message: str | None) -> None:
    # Shortest window first, and stop at the first one used up, so that a refused
    # request does not count against the longer windows too.
    for item in items:
        if not _window().hit(item, scope, key):
            _refuse(item, scope, key, error_message)
