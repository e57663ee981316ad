"""The page's status on other sites: README badges, an iframe card and a script banner.

Each is built from the public summary, rendered once per content version and served from
memory like the page itself (ETag, 304, the CDN's Cache-Control), so a README viewed a
million times or a customer's busy site costs no more than the status page does.

- ``/badge.svg`` and ``/components/<id>/badge.svg``: flat badges (app/public/badge_svg.py).
- ``/embed``: a small card for an iframe. No script; its one inline style is allowed by
  its hash. It is the only page any site may frame (its own CSP says so).
- ``/widget.js``: a script for the customer's site that reads ``/api/v2/summary.json``
  (which any origin may read) and shows a banner while something is wrong.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

from flask import abort, current_app, render_template
from flask_babel import gettext

from app.public import bp
from app.public.badge_svg import flat_badge
from app.public.caching import localized_key, page_vary, serve
from app.status.cache import Page
from app.status.reads import current_summary
from core.vocab import STATUS_LABELS

SVG_TYPE = "image/svg+xml; charset=utf-8"
SCRIPT_TYPE = "text/javascript; charset=utf-8"

# The page banner's colours (static/herald.css), white text on each.
INDICATOR_COLOURS = {
    "none": "#1a7f37",
    "minor": "#9a6700",
    "major": "#bc4c00",
    "critical": "#cf222e",
    "maintenance": "#0969da",
}
# The page's own words (Statuspage's descriptions: minor service, partial system, major
# system outage), so the badge never says worse or better than the page.
INDICATOR_WORDS = {
    "none": "operational",
    "minor": "minor outage",
    "major": "partial outage",
    "critical": "major outage",
    "maintenance": "maintenance",
}
STATUS_COLOURS = {
    "operational": "#1a7f37",
    "degraded_performance": "#9a6700",
    "partial_outage": "#bc4c00",
    "major_outage": "#cf222e",
    "under_maintenance": "#0969da",
}
MAX_PUBLIC_ID = 16  # the column's length: a longer id names nothing

EMBED_CSS = """
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:#1f2328;background:#fff}
a{color:#0969da}
.card{border:1px solid #d1d9e0;border-radius:8px;padding:10px 14px}
.card p{margin:0 0 6px}
.name{font-weight:600}
.ind{font-weight:600;display:flex;align-items:center;gap:6px}
.dot{width:10px;height:10px;border-radius:50%;flex:none}
.ind-none .dot{background:#1a7f37}.ind-minor .dot{background:#9a6700}
.ind-major .dot{background:#bc4c00}.ind-critical .dot{background:#cf222e}
.ind-maintenance .dot{background:#0969da}
ul{margin:0 0 6px;padding-left:18px}
.card p{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
li{display:flex;gap:4px;white-space:nowrap}
li a{overflow:hidden;text-overflow:ellipsis;min-width:0}.st{flex:none}
.st{color:#59636e}
.more{font-size:13px}
@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}
a{color:#58a6ff}.card{border-color:#3d444d}.st{color:#9198a1}}
""".strip()
EMBED_CSS_HASH = base64.b64encode(hashlib.sha256(EMBED_CSS.encode()).digest()).decode()
# The embed's own policy: nothing loads but its inline style, and any site may frame it.
EMBED_SECURITY = (
    (
        "Content-Security-Policy",
        f"default-src 'none'; style-src 'sha256-{EMBED_CSS_HASH}'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors *",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
_STARTED = datetime.now(UTC).replace(microsecond=0)  # the widget changes only on restart


def public_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/")


def page_badge() -> Page:
    summary = current_summary("public")
    words = INDICATOR_WORDS[summary.indicator]
    svg = flat_badge(
        "status",
        words,
        INDICATOR_COLOURS[summary.indicator],
        f"{summary.page['name']} status: {words}",
    )
    return Page(svg.encode(), SVG_TYPE, summary.updated_at, summary.valid_until)


def component_badge(public_id: str) -> Page:
    """A public component's or group's badge; an internal or unknown one is not found."""
    summary = current_summary("public")
    found = next(
        (e for e in [*summary.components, *summary.groups] if e.public_id == public_id), None
    )
    if found is None:
        abort(404)
    words = STATUS_LABELS[found.status].lower()
    svg = flat_badge(found.name, words, STATUS_COLOURS[found.status], f"{found.name}: {words}")
    return Page(svg.encode(), SVG_TYPE, summary.updated_at, summary.valid_until)


# Lines of incidents and maintenance the card lists: at the README's 320x160 only one
# fits with "and N more" under it and the link to the page still in view.
EMBED_MAX_EVENTS = 1


def embed_card() -> Page:
    summary = current_summary("public")
    events = [("", e) for e in summary.incidents] + [
        (gettext("Maintenance: "), e) for e in summary.maintenance_active
    ]
    body = render_template(
        "public/embed.html",
        summary=summary,
        events=events[:EMBED_MAX_EVENTS],
        more=max(0, len(events) - EMBED_MAX_EVENTS),
        css=EMBED_CSS,
        public_url=public_url(),
    ).encode()
    return Page(
        body,
        "text/html; charset=utf-8",
        summary.updated_at,
        summary.valid_until,
        security=EMBED_SECURITY,
        vary=page_vary(),
    )


def widget_script() -> Page:
    url = public_url()
    body = render_template("public/widget.js", page_url=url).encode()
    return Page(body, SCRIPT_TYPE, _STARTED, datetime.now(UTC) + timedelta(days=1))


@bp.get("/badge.svg")
def badge():
    return serve("badge:public", page_badge)


@bp.get("/components/<public_id>/badge.svg")
def component_badge_svg(public_id: str):
    # Only ids that could exist get a cache key: random addresses cannot fill memory.
    if len(public_id) > MAX_PUBLIC_ID or not public_id.isascii() or not public_id.isalnum():
        abort(404)
    return serve(f"badge:component:{public_id}", lambda: component_badge(public_id))


@bp.get("/embed")
def embed():
    return serve(localized_key("embed:public"), embed_card)


@bp.get("/widget.js")
def widget():
    return serve("widget:public", widget_script)
