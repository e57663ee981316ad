"""Private pages for their viewers: sign-in by link, the page at /p/<slug>, its JSON, and
subscribing to its notices.

Whoever may not see a page gets 404, exactly as for a slug that does not exist: the
page's existence is private. Staff who may open the admin see every page, marked as a
preview and kept apart from the viewers' copy. A page is rendered once per content
version and kept per page and per language, like the public page, but answered with
``Cache-Control: private`` and ``Vary: Cookie, Authorization`` (besides the language's
``Accept-Language``) so that no shared cache ever keeps it. Its one personal part, the
viewer's sign-out button (a form with the browser's CSRF token), is put into the kept
bytes for each answer. The viewer's pages speak the reader's language as the public
pages do (app.i18n); the JSON stays English.
"""

from __future__ import annotations

import hashlib
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from app.api.errors import MESSAGES, error_response
from app.auth.permissions import can
from app.i18n import current_language
from app.models import PageViewer, PrivatePage
from app.pages import services, viewers
from app.pages.reads import page_summary
from app.public.caching import (
    cache_control,
    etag_matches,
    html_page,
    localized_key,
    personal_page,
    respond,
)
from app.status.cache import Page, Rendered, page_cache
from app.status.summary_json import summary_json
from core.db import db
from core.errors import ServiceError
from subscribers import registry
from subscribers.links import link_token
from subscribers.models import Subscriber

bp = Blueprint("pages", __name__, url_prefix="/p")
SESSION_KEY = "page_viewer"
JSON_TYPE = "application/json; charset=utf-8"
PRIVATE_VARY = ("Cookie", "Authorization")
# Where the viewer's sign-out button goes in the kept bytes of a page (pages/page.html).
SIGN_OUT_MARK = "<!--sign-out-->"


class ButtonForm(FlaskForm):
    """A button: only the CSRF token."""


def _viewer():
    held = session.get(SESSION_KEY)
    if not isinstance(held, list) or len(held) != 2:
        return None
    return viewers.signed_in_viewer(held[0], held[1])


def viewer_slug_of_path(path: str) -> str | None:
    """The slug of the private page ``path`` is under, when the signed-in viewer is that
    page's viewer: its error pages keep the page's frame (errors/error.html)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[1] != "p" or not parts[2]:
        return None
    viewer = _viewer()
    if viewer is None or viewer.page.slug != parts[2]:
        return None
    return viewer.page.slug


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.args.get("token")


def _reader(slug: str, *, token_ok: bool = False) -> tuple[PrivatePage, PageViewer | None]:
    """The page if this request may read it, and its viewer who reads it (None for a
    read token or staff's preview); else 404 (never 403)."""
    page = services.page_by_slug(slug)
    if page is None:
        abort(404)
    viewer = _viewer()
    if viewer is not None and viewer.page_id == page.id:
        return page, viewer
    if token_ok and services.token_opens(page, _bearer()):
        return page, None
    if can(current_user, "view_admin"):
        return page, None
    abort(404)


def _private(entry) -> object:
    """The cached entry for this reader only: whoever may read it chose the answer, so
    every cache must key it on the cookie and the token too."""
    response = respond(entry, public=False)
    for header in PRIVATE_VARY:
        response.vary.add(header)
    return response


@bp.get("/sign-in/<token>")
def sign_in_form(token: str):
    """Mail scanners open links: the link itself only shows a button, which signs in."""
    return personal_page("pages/sign_in.html", form=ButtonForm(), token=token)


@bp.post("/sign-in/<token>")
def sign_in(token: str):
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        viewer, key = viewers.sign_in(token, current_language())
    except ServiceError as error:
        db.session.rollback()
        return personal_page("pages/sign_in_problem.html", 400, message=error.message)
    slug = viewer.page.slug
    db.session.commit()
    session.clear()  # a fresh session: nothing carried over from before signing in
    session[SESSION_KEY] = [viewer.id, key]
    session.permanent = True
    return redirect(url_for("pages.page", slug=slug))


@bp.post("/sign-out")
def sign_out():
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    viewer = _viewer()
    if viewer is not None:
        viewers.sign_out(viewer)
        db.session.commit()
    session.pop(SESSION_KEY, None)
    return personal_page("pages/signed_out.html")


@bp.get("/sign-out")
def signed_out():
    """Where the language switch on the signed-out page comes back to (signing out is the
    POST): still signed out, the same page in the new language; signed in, the page."""
    viewer = _viewer()
    if viewer is not None:
        return redirect(url_for("pages.page", slug=viewer.page.slug))
    return personal_page("pages/signed_out.html")


def _render_page(page: PrivatePage, *, preview: bool = False) -> Page:
    summary = page_summary(page)
    return html_page(
        "pages/page.html",
        summary.updated_at,
        summary.valid_until,
        summary=summary,
        slug=page.slug,
        preview=preview,
        sign_out_mark=Markup(SIGN_OUT_MARK),
    )


def _subscription(viewer: PageViewer) -> Subscriber | None:
    """The viewer's own active email subscription to its page's notices, if any."""
    found = registry.find_by_audience_key("email", viewer.email, viewer.page.audience_key)
    return found if found is not None and found.state == "active" else None


def _for_viewer(entry: Rendered, viewer: PageViewer) -> Response:
    """The kept page with this viewer's sign-out button put in, for this reader only.
    Its ETag is the page's for this sign-in and subscription: a copy the browser keeps
    holds a button whose token works for as long as the session it was made in."""
    subscription = _subscription(viewer)
    manage = (
        url_for("public.subscription", token=link_token(subscription.link_id))
        if subscription
        else None
    )
    seed = f"{entry.etag}:{viewer.id}:{viewer.signed_in_at.isoformat()}:{manage}".encode()
    etag = f'"{hashlib.blake2b(seed, digest_size=10).hexdigest()}"'
    headers = {
        "ETag": etag,
        "Last-Modified": entry.last_modified,
        "Cache-Control": cache_control(False, current_app.config["CACHE_SECONDS"]),
    }
    if etag_matches(request.headers.get("If-None-Match", ""), (etag,)):
        response = Response(status=304, headers=headers)
    else:
        button = render_template(
            "pages/_viewer_nav.html", slug=viewer.page.slug, manage_url=manage
        ).encode()
        body = entry.body.replace(SIGN_OUT_MARK.encode(), button, 1)
        response = Response(body, headers=headers, content_type=entry.content_type)
    response.vary.update(v.strip() for v in entry.vary.split(","))
    response.vary.update(PRIVATE_VARY)
    return response


@bp.get("/<slug>")
def page(slug: str):
    found, viewer = _reader(slug)
    if viewer is None:
        # Staff, not a viewer: the page says it is a preview and offers no subscribing
        # (only viewers subscribe), so it is kept apart from the viewers' copy.
        key = localized_key(f"page:preview:{found.slug}")
        return _private(page_cache().get(key, lambda: _render_page(found, preview=True)))
    key = localized_key(f"page:private:{found.slug}")
    return _for_viewer(page_cache().get(key, lambda: _render_page(found)), viewer)


def _render_json(page: PrivatePage) -> Page:
    summary = page_summary(page)
    body = json.dumps(summary_json(summary), ensure_ascii=False, separators=(",", ":")).encode()
    return Page(body, JSON_TYPE, summary.updated_at, summary.valid_until)


@bp.get("/<slug>/api/v2/summary.json")
def summary(slug: str):
    try:
        found, _ = _reader(slug, token_ok=True)
    except NotFound:
        # The JSON's readers are programs: a JSON 404, the same for every refusal.
        return error_response(404, "not_found", MESSAGES[404])
    return _private(page_cache().get(f"api:private:{found.slug}", lambda: _render_json(found)))


@bp.route("/<slug>/subscribe", methods=["GET", "POST"])
def subscribe(slug: str):
    """A viewer subscribes its own address (the one its invitation went to) to the page's
    notices; the usual confirmation email follows."""
    page = services.page_by_slug(slug)
    viewer = _viewer()
    if page is None or viewer is None or viewer.page_id != page.id:
        abort(404)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        # The notices come in the language the viewer reads the page in, as on the
        # public sign-up form when the reader leaves its language as it is.
        registry.subscribe(
            "email",
            viewer.email,
            audience=page.audience_key,
            language=current_language(),
            page=registry.SignUpPage(
                page.name, current_app.config["PUBLIC_URL"] + url_for("pages.page", slug=slug)
            ),
        )
        db.session.commit()
        return personal_page("pages/subscribe_sent.html", page=page, email=viewer.email)
    return personal_page("pages/subscribe.html", page=page, form=form, email=viewer.email)
