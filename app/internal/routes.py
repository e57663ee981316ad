"""The same pages as the public site, built for the internal audience, never cached by
browsers or proxies beyond this user."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from app.auth.permissions import requires
from app.internal import bp
from app.public.caching import serve
from app.public.routes import history_page, render_event, render_history, render_index
from app.status.cache import Page
from core.time import utcnow


@bp.get("", strict_slashes=False)
@requires("view_internal")
def index():
    return serve("page:internal", lambda: render_index("internal"), public=False)


@bp.get("/history")
@requires("view_internal")
def history():
    page = history_page()
    return serve(f"history:internal:{page}", lambda: render_history("internal", page), public=False)


# "What people are saying" changes with the listening feeds, not with the page version:
# the incident page is rebuilt at least this often so new mentions show soon.
MENTIONS_FRESH = timedelta(seconds=20)


def _render_incident(public_id: str) -> Page:
    page = render_event("internal", "incident", public_id)
    return replace(page, valid_until=min(page.valid_until, utcnow() + MENTIONS_FRESH))


@bp.get("/incidents/<public_id>")
@requires("view_internal")
def incident(public_id: str):
    return serve(
        f"incident:internal:{public_id}",
        lambda: _render_incident(public_id),
        public=False,
    )


@bp.get("/maintenance/<public_id>")
@requires("view_internal")
def maintenance(public_id: str):
    return serve(
        f"maintenance:internal:{public_id}",
        lambda: render_event("internal", "maintenance", public_id),
        public=False,
    )
