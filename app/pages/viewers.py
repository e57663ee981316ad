"""Viewers of private pages: invited by email, signed in by an emailed link.

A sign-in link carries ``{"v": viewer id, "n": nonce}`` signed and timestamped by the
subscribers' link machinery (``subscribers.links.timed_token``) under a salt of its own.
The nonce is stored on the viewer and replaced when the link is used or a new invitation
is sent, so a link works once. Signing in gives the browser a random key whose hash is
kept on the viewer: removing the viewer (or a new sign-in elsewhere) ends that session.

The sign-in email is written in the language of the viewer's address (English until the
viewer has read the page in another: signing in, or subscribing, in that language).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import select

from app.models import PageViewer, PrivatePage
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.time import utcnow
from core.vocab import DEFAULT_LANGUAGE, LANGUAGES
from subscribers.links import new_link_id, read_timed_token, timed_token
from subscribers.models import Subscriber
from subscribers.outbox import Message, create_broadcast
from subscribers.states import ADDRESS_ONLY, is_address_only
from subscribers.validation import normalise_email

SIGN_IN_SALT = "page-viewer-sign-in"
SIGN_IN_MAX_AGE = 72 * 3600
MAX_VIEWERS = 1000
REFUSED = _l("This sign-in link is not valid. Ask the people who invited you for a new one.")
SPENT = _l(
    "This sign-in link has already been used (or a newer one was sent): each link works "
    "once. Ask the people who invited you for a new one."
)


def sign_in_url(viewer: PageViewer) -> str:
    token = timed_token({"v": viewer.id, "n": viewer.link_nonce}, SIGN_IN_SALT)
    return f"{current_app.config['PUBLIC_URL']}/p/sign-in/{token}"


def _address(viewer: PageViewer) -> Subscriber | None:
    """The viewer's email address in the page's audience, if it has one yet."""
    return db.session.scalar(
        select(Subscriber).where(
            Subscriber.channel == "email",
            Subscriber.address == viewer.email,
            Subscriber.audience_id == viewer.page.audience_id,
        )
    )


def viewer_address(viewer: PageViewer) -> Subscriber:
    """The viewer's email address in the page's audience, for messages to that one
    address. It hears the page's notices only once the viewer subscribes (and confirms).

    An invitation is not a subscription: until the viewer subscribes, the address is kept
    *address only* (``subscribers.states``), which no list or count of subscribers shows
    and no link unsubscribes. The sign-in link is transactional, so it reaches the address
    in any state but quarantined (it bounced): an address that unsubscribed from the
    notices stays unsubscribed and still gets its links."""
    found = _address(viewer)
    if found is None:
        found = Subscriber(
            channel="email",
            address=viewer.email,
            audience_id=viewer.page.audience_id,
            state="pending",
            state_reason=ADDRESS_ONLY,
            source="page-viewer",
            link_id=new_link_id(),
        )
        db.session.add(found)
        db.session.flush()
    return found


def new_sign_in_link(viewer: PageViewer) -> str:
    """A new single-use sign-in link for the viewer; the links made before stop working."""
    viewer.link_nonce = secrets.token_hex(8)
    db.session.flush()
    return sign_in_url(viewer)


def send_sign_in_link(viewer: PageViewer) -> str:
    """Make a new single-use sign-in link (older ones stop working) and queue it by email
    through the outbox. Returns the link."""
    url = new_sign_in_link(viewer)
    address = viewer_address(viewer)
    context = {
        "page_name": current_app.config["PAGE_NAME"],
        "private_page": viewer.page.name,
        "sign_in_url": url,
        "hours": SIGN_IN_MAX_AGE // 3600,
    }
    with force_locale(address.language or DEFAULT_LANGUAGE):
        message = Message(
            subject=render_template("notifications/page_sign_in.subject.txt", **context).strip(),
            text=render_template("notifications/page_sign_in.txt", **context),
        )
    create_broadcast(
        viewer.page.audience_key,
        message,
        source=f"page-sign-in:{viewer.id}:{viewer.link_nonce}",
        # Transactional (subscribers.channels.base.TRANSACTIONAL_KINDS): no unsubscribe
        # headers, and it reaches an address that unsubscribed from the notices.
        kind="page_sign_in",
        channels=["email"],
        subscriber_id=address.id,
    )
    return url


def invite_viewer(actor, page: PrivatePage, email) -> PageViewer:
    """Invite ``email`` to the page (or send an invited viewer a fresh link)."""
    if not isinstance(email, str):
        raise ServiceError("Give the viewer's email address.", "email")
    try:
        address = normalise_email(email)
    except ServiceError as error:
        raise ServiceError(error.message, "email") from None
    viewer = db.session.scalar(
        select(PageViewer).where(PageViewer.page_id == page.id, PageViewer.email == address)
    )
    if viewer is None:
        if len(page.viewers) >= MAX_VIEWERS:
            raise Conflict(f"A page can have at most {MAX_VIEWERS} viewers.", "email")
        viewer = PageViewer(page=page, email=address)
        db.session.add(viewer)
        db.session.flush()
    viewer.invited_at = utcnow()
    send_sign_in_link(viewer)
    audit.record(actor, "page.invite", page, f"Invited {address} to the private page {page.name}")
    return viewer


def find_viewer(page: PrivatePage, email) -> PageViewer | None:
    if not isinstance(email, str):
        return None
    wanted = email.strip().lower()
    return next((v for v in page.viewers if v.email == wanted), None)


def remove_viewer(actor, viewer: PageViewer) -> None:
    """Take a viewer off the page: its session and links end, its subscription too."""
    page = viewer.page
    subscriber = db.session.scalar(
        select(Subscriber).where(
            Subscriber.channel == "email",
            Subscriber.address == viewer.email,
            Subscriber.audience_id == page.audience_id,
        )
    )
    # An address kept only for the sign-in links was never subscribed: it stays as it is.
    if (
        subscriber is not None
        and subscriber.state != "unsubscribed"
        and not is_address_only(subscriber)
    ):
        subscriber.state, subscriber.state_reason = "unsubscribed", "viewer removed from the page"
    audit.record(actor, "page.remove_viewer", page, f"Removed {viewer.email} from {page.name}")
    db.session.delete(viewer)
    db.session.flush()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def sign_in(token: str, language: str = DEFAULT_LANGUAGE) -> tuple[PageViewer, str]:
    """Use a sign-in link: (the viewer, the session key its browser keeps). The link is
    spent; an expired, used or forged one is refused with a reason to show (in the
    language being rendered). ``language`` is the one the viewer reads the page in: their
    next sign-in link is written in it, until they subscribe (and choose by subscribing)."""
    try:
        data = read_timed_token(token, SIGN_IN_SALT, SIGN_IN_MAX_AGE)
    except SignatureExpired:
        raise ServiceError(
            gettext(
                "This sign-in link has expired (links last %(hours)d hours). "
                "Ask the people who invited you for a new one.",
                hours=SIGN_IN_MAX_AGE // 3600,
            )
        ) from None
    except BadSignature:
        raise ServiceError(str(REFUSED)) from None
    viewer_id, nonce = data.get("v"), data.get("n")
    viewer = db.session.get(PageViewer, viewer_id) if isinstance(viewer_id, int) else None
    if viewer is None or not isinstance(nonce, str):
        raise ServiceError(str(REFUSED))
    if not viewer.link_nonce or not hmac.compare_digest(viewer.link_nonce, nonce):
        # Signed by us, so genuine: it was used, or a newer invitation replaced it.
        raise ServiceError(str(SPENT))
    key = secrets.token_urlsafe(32)
    viewer.link_nonce = ""  # spent
    viewer.session_hash = _hash(key)
    viewer.signed_in_at = utcnow()
    address = _address(viewer)
    # An address that has subscribed keeps the language chosen for its notices.
    if address is not None and is_address_only(address):
        address.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    audit.record(None, "page.sign_in", viewer.page, f"{viewer.email} signed in")
    return viewer, key


def signed_in_viewer(viewer_id, key) -> PageViewer | None:
    """The viewer a browser's session names, while that session is open."""
    if not isinstance(viewer_id, int) or not isinstance(key, str) or not key:
        return None
    viewer = db.session.get(PageViewer, viewer_id)
    if viewer is None or not viewer.session_hash:
        return None
    return viewer if hmac.compare_digest(viewer.session_hash, _hash(key)) else None


def sign_out(viewer: PageViewer) -> None:
    viewer.session_hash = ""
