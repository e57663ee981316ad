"""Serving cached pages: ETag and 304, gzip when accepted, headers a CDN can act on.

The headers of each cached entry are prepared once per way of serving it and shared by
the Flask view and the WSGI fast path (``app.public.fastpath``), so both answer byte for
byte the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

from flask import Response, current_app, g, make_response, render_template, request

from app.i18n import is_localized_request, key_suffix
from app.status.cache import Page, Rendered, page_cache
from app.web import security_headers


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything needed to answer for one cached entry, as WSGI header lists."""

    etags: tuple[str, str]  # plain, gzip
    plain: list[tuple[str, str]]
    gzipped: list[tuple[str, str]]
    not_modified_plain: list[tuple[str, str]]
    not_modified_gzipped: list[tuple[str, str]]


def cache_control(public: bool, seconds: int) -> str:
    if not public:
        return "private, no-cache"
    return (
        f"public, max-age={seconds}, stale-while-revalidate={max(seconds, 30)}, "
        "stale-if-error=86400"
    )


def prepare(entry: Rendered, *, public: bool, cors: bool, seconds: int, hsts: bool) -> Prepared:
    """The headers for ``entry`` served this way (memoised on the entry)."""
    key = (public, cors, seconds, hsts)
    found = entry.prepared.get(key)
    if found is not None:
        return found
    gz_etag = entry.etag[:-1] + '-gz"'
    common = [
        ("Last-Modified", entry.last_modified),
        ("Cache-Control", cache_control(public, seconds)),
        ("Vary", entry.vary),
    ]
    if cors:
        common.append(("Access-Control-Allow-Origin", "*"))
    security = security_headers(hsts, entry.security)
    prepared = Prepared(
        etags=(entry.etag, gz_etag),
        plain=[
            ("Content-Type", entry.content_type),
            ("Content-Length", str(len(entry.body))),
            ("ETag", entry.etag),
            *common,
            *security,
        ],
        gzipped=[
            ("Content-Type", entry.content_type),
            ("Content-Length", str(len(entry.gzipped))),
            ("ETag", gz_etag),
            *common,
            ("Content-Encoding", "gzip"),
            *security,
        ],
        not_modified_plain=[("ETag", entry.etag), *common, *security],
        not_modified_gzipped=[("ETag", gz_etag), *common, *security],
    )
    entry.prepared[key] = prepared
    return prepared


def etag_matches(header: str, etags: tuple[str, ...]) -> bool:
    if header.strip() == "*":
        return True
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate in etags:
            return True
    return False


def _http_date(value: str):
    """An HTTP date; one without a zone (asctime, "-0000") is taken as UTC."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def not_modified(
    if_none_match: str | None, if_modified_since: str | None, prepared: Prepared, entry: Rendered
) -> bool:
    """Whether the client's copy is current: its ETag when it sends one (which then
    decides alone, RFC 9110 13.2.2), else its If-Modified-Since date."""
    if if_none_match:
        return etag_matches(if_none_match, prepared.etags)
    if not if_modified_since:
        return False
    if if_modified_since == entry.last_modified:
        return True
    since, modified = _http_date(if_modified_since), _http_date(entry.last_modified)
    return since is not None and modified is not None and since >= modified


def respond(entry: Rendered, *, public: bool = True, cors: bool = False) -> Response:
    """A response for cached bytes; 304 when the client already holds them."""
    gzip_ok = request.accept_encodings["gzip"] > 0  # "gzip;q=0" means no gzip
    if public:
        g.shared_response = True
    config = current_app.config
    prepared = prepare(
        entry, public=public, cors=cors, seconds=config["CACHE_SECONDS"], hsts=config["HSTS"]
    )
    if not_modified(
        request.headers.get("If-None-Match"),
        request.headers.get("If-Modified-Since"),
        prepared,
        entry,
    ):
        headers = prepared.not_modified_gzipped if gzip_ok else prepared.not_modified_plain
        return Response(status=304, headers=headers)
    if gzip_ok:
        return Response(entry.gzipped, headers=prepared.gzipped)
    return Response(entry.body, headers=prepared.plain)


def serve(
    key: str, render: Callable[[], Page], *, public: bool = True, cors: bool = False
) -> Response:
    return respond(page_cache().get(key, render), public=public, cors=cors)


# A page in the reader's language (app.i18n) is chosen by the language cookie or by
# Accept-Language: a shared cache must keep a copy per language.
LOCALIZED_VARY = "Accept-Encoding, Accept-Language, Cookie"


def page_vary() -> str:
    return LOCALIZED_VARY if is_localized_request() else "Accept-Encoding"


def localized_key(key: str) -> str:
    """A page cache key for this request's language (English keeps the plain key)."""
    return key + key_suffix()


def html_page(template: str, last_modified, valid_until, **context) -> Page:
    body = render_template(template, **context).encode()
    return Page(body, "text/html; charset=utf-8", last_modified, valid_until, vary=page_vary())


def personal_page(template: str, status: int = 200, **context) -> Response:
    """A personal page (a subscription, a roll-call answer): never stored by a browser,
    proxy or CDN, never indexed."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
