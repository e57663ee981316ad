"""Languages: which one a request is answered in, and the wiring of Flask-Babel.

The public pages, the subscription pages and the private pages' viewer pages are chosen
by the language switch in the page footer (a cookie), then, on the pages a subscriber
reaches through their own link (confirm, manage, unsubscribe), by that subscriber's
language, then by ``Accept-Language``, then English. Staff pages, the JSON API (a private
page's too) and the feeds stay English. Messages to a subscriber are rendered in the
subscriber's language with ``flask_babel.force_locale`` wherever they are built.
"""

from __future__ import annotations

from functools import lru_cache

from flask import g, has_request_context, request
from flask_babel import get_locale, refresh
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from core.vocab import DEFAULT_LANGUAGE, LANGUAGES

COOKIE = "herald_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# The pages answered in the reader's language. Everything else stays English: staff
# pages, the JSON, the feeds and badges (read by machines and other sites, cached as one
# copy), and the roll-call answer pages (for staff teams). A private page's viewers are
# outside readers, as the public page's are: their page and sign-in pages are theirs.
LOCALIZED_ENDPOINTS = frozenset(
    {
        "public.index",
        "public.history",
        "public.incident",
        "public.maintenance",
        "public.embed",
        "public.choose_language",
        "public.subscribe",
        "public.subscribe_code",
        "public.subscribe_confirm",
        "public.subscribe_sent",
        "public.subscription",
        "public.unsubscribe",
        "pages.page",
        "pages.sign_in_form",
        "pages.sign_in",
        "pages.sign_out",
        "pages.signed_out",
        "pages.subscribe",
    }
)
# An address that matches no route (404, or 405 for a wrong method) has no endpoint to
# look up: it is a reader's when it is under the public site or a private page, and
# English under the staff's, the APIs' (a private page's JSON too), the webhooks' and
# the static files' first path segments.
ENGLISH_SEGMENTS = frozenset(
    {
        "account",
        "admin",
        "api",
        "integrations",
        "internal",
        "login",
        "logout",
        "rollcall",
        "static",
        "webhooks",
    }
)


@lru_cache(maxsize=512)
def _from_header(accept: str) -> str:
    parsed = parse_accept_header(accept, LanguageAccept)
    return parsed.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def choose_language(cookie: str | None, accept: str | None) -> str:
    """The cookie's language when it names one Herald has, else the best match of
    ``Accept-Language``, else English. Anything unknown or malformed counts as absent."""
    if cookie in LANGUAGES:
        return cookie
    if not accept:
        return DEFAULT_LANGUAGE
    # A header longer than any browser sends is not worth parsing (nor caching).
    return _from_header(accept) if len(accept) <= 500 else DEFAULT_LANGUAGE


def cookie_in(header: str) -> str | None:
    """The language cookie's value in a raw ``Cookie`` header (for the WSGI fast path,
    which has no parsed request)."""
    start = header.find(COOKIE + "=")
    if start < 0 or (start > 0 and header[start - 1] not in " ;"):
        return None
    value = header[start + len(COOKIE) + 1 :]
    return value.split(";", 1)[0].strip().strip('"')


def is_localized_request() -> bool:
    """Whether this request is answered in the reader's language: the public pages, the
    subscription pages and the private pages' viewer pages, not the staff's; for an
    address that matches no route, whether it is under those pages."""
    endpoint = request.endpoint
    if endpoint is not None:
        return endpoint in LOCALIZED_ENDPOINTS
    segments = request.path.split("/")
    return segments[1] not in ENGLISH_SEGMENTS and "api" not in segments


def speak_to(language: str) -> None:
    """Answer this request in the language of the subscriber whose link opened it
    (their email was in it; the browser's may not be), unless the reader chose one with
    the switch."""
    if language in LANGUAGES:
        g.subscriber_language = language
        refresh()  # a language already looked up this request is looked up again


def select_locale() -> str:
    # Flask-Babel also asks outside requests (a job formatting a date): English there,
    # unless the caller chose a language with force_locale.
    if not has_request_context() or not is_localized_request():
        return DEFAULT_LANGUAGE
    cookie = request.cookies.get(COOKIE)
    if cookie not in LANGUAGES and "subscriber_language" in g:
        return g.subscriber_language
    return choose_language(cookie, request.headers.get("Accept-Language"))


def current_language() -> str:
    """The language being rendered: the request's, or the one ``force_locale`` set."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def key_suffix() -> str:
    """The page cache's key suffix for the current language ("" for English, so English
    pages keep their keys)."""
    language = current_language()
    return "" if language == DEFAULT_LANGUAGE else f":{language}"
