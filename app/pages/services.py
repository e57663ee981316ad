"""Creating, editing and deleting private pages, and their read tokens. Each page has an
audience ("page:<slug>") that the comms workflow drafts for, created with the page."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select, update

from app.models import Component, PrivatePage
from app.models.pages import MAX_COMPONENTS, NAME_LENGTH, SLUG_LENGTH
from app.status.version import bump_page_version
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.words import counted
from subscribers.audiences import DEFAULT_CADENCE
from subscribers.models import Audience, Subscriber
from subscribers.states import subscriptions

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
AUDIENCE_PREFIX = "page:"
READ_TOKEN_PREFIX = "hpr_"
# Drafted after the customers and press, before the internal audiences.
AUDIENCE_PRIORITY = 45
# Paths of the viewers' pages under /p/ that a slug would shadow.
RESERVED_SLUGS = frozenset({"sign-in", "sign-out"})


def check_slug(slug) -> str:
    if not isinstance(slug, str) or not slug:
        raise ServiceError("A page needs a slug (the address /p/<slug>).", "slug")
    low, high = SLUG_LENGTH
    if not low <= len(slug) <= high or not SLUG.fullmatch(slug):
        raise ServiceError(
            f"A slug is {low} to {high} lower-case letters, digits and single hyphens "
            "between them (like acme-corp).",
            "slug",
        )
    if slug in RESERVED_SLUGS:
        raise ServiceError(f"The slug {slug} is taken by Herald itself; choose another.", "slug")
    return slug


def check_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else None
    if not name:
        raise ServiceError("A page needs a name.", "name")
    if len(name) > NAME_LENGTH:
        raise ServiceError(f"A page name can be at most {NAME_LENGTH} characters.", "name")
    return name


def find_components(ids) -> list[Component]:
    """The components named by their ids (the public ids the API shows); every one must
    exist. Components hidden from the public page may be chosen."""
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ServiceError("Components must be a list of component ids.", "components")
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ServiceError("Choose at least one component for the page.", "components")
    if len(ids) > MAX_COMPONENTS:
        raise ServiceError(f"A page can have at most {MAX_COMPONENTS} components.", "components")
    found = {
        c.public_id: c
        for c in db.session.scalars(select(Component).where(Component.public_id.in_(ids)))
    }
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ServiceError(f"Unknown components: {', '.join(unknown)}.", "components")
    return [found[i] for i in ids]


def pages() -> list[PrivatePage]:
    return list(db.session.scalars(select(PrivatePage).order_by(PrivatePage.name)))


def page_by_slug(slug: str) -> PrivatePage | None:
    if not isinstance(slug, str) or len(slug) > SLUG_LENGTH[1]:
        return None
    return db.session.scalar(select(PrivatePage).where(PrivatePage.slug == slug))


def page_for_audience(audience_id: int) -> PrivatePage | None:
    """The page whose audience this is (its subscribers' page), if there is one."""
    return db.session.scalar(select(PrivatePage).where(PrivatePage.audience_id == audience_id))


def page_audience_keys() -> list[str]:
    """The audiences of the existing private pages, by page name."""
    return [p.audience_key for p in pages()]


def create_page(actor, *, slug, name, components) -> PrivatePage:
    """A new private page and its audience (public in tone and rules: plain words, drafts
    need approval as the customers' do). Bad input changes nothing."""
    slug, name = check_slug(slug), check_name(name)
    chosen = find_components(components)
    if page_by_slug(slug) is not None:
        raise Conflict(f"There is already a page at /p/{slug}.", "slug")
    key = AUDIENCE_PREFIX + slug
    # A deleted page leaves its audience (broadcasts name it); a new page of that slug
    # takes it over.
    audience = db.session.scalar(select(Audience).where(Audience.key == key))
    if audience is None:
        audience = Audience(
            key=key,
            visibility="public",
            tone="plain",
            needs_approval=True,
            priority=AUDIENCE_PRIORITY,
            default_channels=["email"],
            cadence=dict(DEFAULT_CADENCE),
        )
        db.session.add(audience)
    audience.name = name[:80]
    audience.description = f"Viewers of the private page {name} (/p/{slug})."
    db.session.flush()
    page = PrivatePage(slug=slug, name=name, audience_id=audience.id, components=chosen)
    db.session.add(page)
    db.session.flush()
    bump_page_version()
    audit.record(
        actor,
        "page.create",
        page,
        f"Created the private page {name} (/p/{slug}) with {counted(len(chosen), 'component')}",
    )
    return page


def edit_page(actor, page: PrivatePage, **values) -> PrivatePage:
    """Change a page's name or components; the slug stays (links and the audience's
    drafts name it)."""
    unknown = set(values) - {"name", "components", "slug"}
    if unknown:
        raise ServiceError(f"Unknown page fields: {', '.join(sorted(unknown))}.")
    if "slug" in values and values["slug"] != page.slug:
        raise ServiceError(
            "A page's slug cannot change (its viewers' links name it); make a new page.",
            "slug",
        )
    clean: dict = {}
    if "name" in values:
        clean["name"] = check_name(values["name"])
    chosen = find_components(values["components"]) if "components" in values else None
    changes = audit.diff(page, clean)
    if chosen is not None and [c.id for c in chosen] != [c.id for c in page.components]:
        changes["components"] = [
            [c.public_id for c in page.components],
            [c.public_id for c in chosen],
        ]
        page.components = chosen
    if "name" in changes:
        db.session.execute(
            update(Audience).where(Audience.id == page.audience_id).values(name=page.name[:80])
        )
    if changes:
        bump_page_version()
        audit.record(actor, "page.update", page, f"Edited the private page {page.name}", changes)
    return page


def delete_page(actor, page: PrivatePage) -> None:
    """Delete a page and its viewers; its subscribers are unsubscribed (the addresses
    kept only for sign-in links were never subscribed and stay as they are). The audience
    stays for the record of what was sent, and drafts no longer offer it."""
    db.session.execute(
        update(Subscriber)
        .where(
            Subscriber.audience_id == page.audience_id,
            Subscriber.state != "unsubscribed",
            subscriptions(),
        )
        .values(state="unsubscribed", state_reason="private page deleted")
    )
    audit.record(
        actor, "page.delete", page, f"Deleted the private page {page.name} (/p/{page.slug})"
    )
    db.session.delete(page)
    db.session.flush()
    bump_page_version()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_read_token(actor, page: PrivatePage) -> str:
    """A new read token for the page's JSON; the old one stops working. Only its hash is
    kept, so the token is shown this once."""
    token = READ_TOKEN_PREFIX + secrets.token_urlsafe(24)
    page.read_token_hash = _token_hash(token)
    audit.record(actor, "page.token", page, f"Made a new read token for {page.name}")
    return token


def token_opens(page: PrivatePage, token: str | None) -> bool:
    """Whether ``token`` is the page's current read token."""
    if not token or not page.read_token_hash or len(token) > 200:
        return False
    return hmac.compare_digest(_token_hash(token), page.read_token_hash)


def describe(page: PrivatePage) -> dict:
    """A page as the API shows it."""
    return {
        "id": page.public_id,
        "slug": page.slug,
        "name": page.name,
        "audience": page.audience_key,
        "components": [{"id": c.public_id, "name": c.name} for c in page.components],
        "viewers": [
            {
                "id": v.id,
                "email": v.email,
                "invited_at": v.invited_at.isoformat(),
                "signed_in_at": v.signed_in_at.isoformat() if v.signed_in_at else None,
            }
            for v in page.viewers
        ],
        "has_read_token": bool(page.read_token_hash),
        "created_at": page.created_at.isoformat(),
    }
