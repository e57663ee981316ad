"""The language switch in the public pages' footer: a form that stores the reader's
choice in a cookie and goes back to the page it was on. No script needed.

It is exempt from CSRF: the page that holds the form is cached and the same for
everyone, so it cannot carry a token, and a forged post can only change a forger's
choice of language for pages, which changes nothing stored.
"""

from __future__ import annotations

from flask import abort, redirect, request

from app.extensions import csrf
from app.i18n import COOKIE, COOKIE_MAX_AGE
from app.public import bp
from core.vocab import LANGUAGES


def _back_to(target: str) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 for ch in target) or len(target) > 500:
        return "/"
    return target


@bp.post("/language")
@csrf.exempt
def choose_language():
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400, description="Choose one of the languages offered.")
    response = redirect(_back_to(request.form.get("next", "/")), 303)
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_MAX_AGE,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
