"""Serving cached pages: ETag and 304, gzip when accepted, headers a CDN can act on."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, g, render_template, request

from app.status.cache import Page, Rendered, page_cache


def _etag_matches(header: str, etags: tuple[str, ...]) -> bool:
    if header.strip() == "*":
        return True
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate in etags:
            return True
    return False


def respond(entry: Rendered, *, public: bool = True, cors: bool = False) -> Response:
    """A response for cached bytes; 304 when the client already holds them."""
    gzip_ok = request.accept_encodings["gzip"] > 0  # "gzip;q=0" means no gzip
    gz_etag = entry.etag[:-1] + '-gz"'
    etag = gz_etag if gzip_ok else entry.etag
    if public:
        g.shared_response = True
        seconds = current_app.config["CACHE_SECONDS"]
        cache_control = (
            f"public, max-age={seconds}, stale-while-revalidate={max(seconds, 30)}, "
            "stale-if-error=86400"
        )
    else:
        cache_control = "private, no-cache"
    headers = {
        "ETag": etag,
        "Last-Modified": entry.last_modified,
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
    }
    if cors:
        headers["Access-Control-Allow-Origin"] = "*"
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and _etag_matches(if_none_match, (entry.etag, gz_etag)):
        return Response(status=304, headers=headers)
    if gzip_ok:
        headers["Content-Encoding"] = "gzip"
        return Response(entry.gzipped, content_type=entry.content_type, headers=headers)
    return Response(entry.body, content_type=entry.content_type, headers=headers)


def serve(
    key: str, render: Callable[[], Page], *, public: bool = True, cors: bool = False
) -> Response:
    return respond(page_cache().get(key, render), public=public, cors=cors)


def html_page(template: str, last_modified, valid_until, **context) -> Page:
    body = render_template(template, **context).encode()
    return Page(body, "text/html; charset=utf-8", last_modified, valid_until)
