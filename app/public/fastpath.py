"""A WSGI layer that answers the hottest public URLs from the page cache without going
through Flask.

On an outage day almost every request is a GET of the page or the JSON that was already
rendered. When the cached entry is fresh and no version check is due, this layer writes
the prepared bytes and headers directly (the same ones the Flask view sends, see
``app.public.caching.prepare``). Everything else (a query string, an unusual
Accept-Encoding, a version check that is due, a stale or missing entry) goes to Flask,
which checks, renders and caches as usual.
"""

from __future__ import annotations

from flask import Flask

from app.i18n import choose_language, cookie_in
from app.public.caching import not_modified, prepare
from app.status.cache import PageCache
from core.vocab import DEFAULT_LANGUAGE

# path: (cache key, public, CORS)
HOT_PATHS = {
    "/": ("page:public", True, False),
    "/history.rss": ("feed:rss:public:*", True, False),
    "/history.atom": ("feed:atom:public:*", True, False),
    # Shown on other sites (app/public/embeds.py): busy when the page is.
    "/badge.svg": ("badge:public", True, False),
    "/embed": ("embed:public", True, False),
    "/widget.js": ("widget:public", True, False),
}
# Pages in the reader's language: the key gets the language (app.i18n), chosen here the
# same way as in Flask, from the language cookie, then Accept-Language.
LOCALIZED_PATHS = frozenset({"/", "/embed"})


def _register_api_paths() -> None:
    from app.public.api_v2 import ENDPOINTS

    for name in ENDPOINTS:
        HOT_PATHS[f"/api/v2/{name}.json"] = (f"api:{name}", True, True)


def _language_suffix(environ) -> str:
    cookie = environ.get("HTTP_COOKIE")
    language = choose_language(
        cookie_in(cookie) if cookie else None, environ.get("HTTP_ACCEPT_LANGUAGE")
    )
    return "" if language == DEFAULT_LANGUAGE else f":{language}"


class FastPath:
    def __init__(self, app: Flask, wsgi_app):
        _register_api_paths()
        self.config = app.config
        self.cache: PageCache = app.extensions["herald_page_cache"]
        self.wsgi_app = wsgi_app
        self.served = 0  # requests answered here (for tests and benchmarks)

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if (method == "GET" or method == "HEAD") and not environ.get("QUERY_STRING"):
            path = environ.get("PATH_INFO", "")
            hot = HOT_PATHS.get(path)
            if hot is not None and path in LOCALIZED_PATHS:
                hot = (hot[0] + _language_suffix(environ), *hot[1:])
            if hot is not None:
                answer = self._answer(hot, environ, start_response, method == "HEAD")
                if answer is not None:
                    return answer
        return self.wsgi_app(environ, start_response)

    def _answer(self, hot, environ, start_response, head: bool):
        key, public, cors = hot
        entry = self.cache.peek(key, self.config["CACHE_CHECK_SECONDS"])
        if entry is None:
            return None
        accept = environ.get("HTTP_ACCEPT_ENCODING", "")
        if ";" in accept:  # quality values: let Flask parse them properly
            return None
        gzip_ok = "gzip" in accept
        prepared = prepare(
            entry,
            public=public,
            cors=cors,
            seconds=self.config["CACHE_SECONDS"],
            hsts=self.config["HSTS"],
        )
        self.served += 1
        if not_modified(
            environ.get("HTTP_IF_NONE_MATCH"),
            environ.get("HTTP_IF_MODIFIED_SINCE"),
            prepared,
            entry,
        ):
            start_response(
                "304 NOT MODIFIED",
                prepared.not_modified_gzipped if gzip_ok else prepared.not_modified_plain,
            )
            return [b""]
        if gzip_ok:
            start_response("200 OK", prepared.gzipped)
            return [b"" if head else entry.gzipped]
        start_response("200 OK", prepared.plain)
        return [b"" if head else entry.body]


def init_app(app: Flask) -> None:
    app.wsgi_app = FastPath(app, app.wsgi_app)
