"""Public pages. Each is rendered once per content version and served from memory."""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Response, abort, current_app, send_file

from app.input_bounds import page_number
from app.models import utcnow
from app.public import bp
from app.public.caching import html_page, localized_key, serve
from app.status.cache import Page
from app.status.reads import current_summary, event_detail, history_months, oldest_event_start
from app.timeutil import local_day, page_zone

MAX_HISTORY_PAGES = 400


def render_index(audience: str) -> Page:
    summary = current_summary(audience)
    template = "public/index.html" if audience == "public" else "internal/index.html"
    return html_page(template, summary.updated_at, summary.valid_until, summary=summary)


@bp.get("/")
def index():
    return serve(localized_key("page:public"), lambda: render_index("public"))


def render_history(audience: str, page: int) -> Page:
    size = current_app.config["HISTORY_PAGE_SIZE"]
    months = history_months(audience, page, size)
    oldest = oldest_event_start(audience)
    has_older = oldest is not None and local_day(oldest, page_zone()) < months[-1].first
    now = utcnow()
    return html_page(
        "public/history.html",
        now,
        now + timedelta(hours=1),
        months=months,
        page=page,
        has_older=has_older,
        audience=audience,
    )


def history_page() -> int:
    """A page of history that cannot exist is not found (404), as any other address."""
    return page_number(maximum=MAX_HISTORY_PAGES, refuse=404)


@bp.get("/history")
def history():
    page = history_page()
    return serve(localized_key(f"history:public:{page}"), lambda: render_history("public", page))


def render_event(audience: str, kind: str, public_id: str) -> Page:
    detail = event_detail(audience, kind, public_id)
    if detail is None:
        abort(404)
    now = utcnow()
    ongoing = detail.entry.status not in ("resolved", "completed")
    valid_until = now + (timedelta(seconds=60) if ongoing else timedelta(days=1))
    if detail.changes_at is not None:  # its "ongoing for …" moves on then
        valid_until = min(valid_until, detail.changes_at)
    return html_page(
        "public/event.html",
        detail.incident.updated_at,
        valid_until,
        detail=detail,
        audience=audience,
    )


@bp.get("/incidents/<public_id>")
def incident(public_id: str):
    return serve(
        localized_key(f"incident:public:{public_id}"),
        lambda: render_event("public", "incident", public_id),
    )


@bp.get("/maintenance/<public_id>")
def maintenance(public_id: str):
    return serve(
        localized_key(f"maintenance:public:{public_id}"),
        lambda: render_event("public", "maintenance", public_id),
    )


@bp.get("/theme.css")
def theme():
    css = f":root{{--accent:{current_app.config['ACCENT_COLOUR']}}}\n"
    response = Response(css, content_type="text/css; charset=utf-8")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/logo")
def logo():
    path = current_app.config["PAGE_LOGO"]
    if not path or not os.path.isfile(path):
        abort(404)
    return send_file(os.path.abspath(path), max_age=86400)
