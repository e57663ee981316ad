"""The demo's private page: Acme Corp, an enterprise merchant, sees the services it
relies on (one of them hidden from the public page) and their incidents. Its viewer is
invited once, when the demo is loaded; ``herald demo`` prints a sign-in link for her on
each start without voiding the one emailed: while her last link is unused it prints that
sign-in again (freshly dated; either copy works, once), and a new one once it was used."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select

from app.models import Component, PageViewer, utcnow
from app.pages.services import create_page, page_by_slug
from app.pages.viewers import (
    SIGN_IN_MAX_AGE,
    invite_viewer,
    new_sign_in_link,
    sign_in_url,
    viewer_address,
)
from core import audit
from core.db import db
from subscribers import registry

DEMO_PAGE_SLUG = "acme"
DEMO_PAGE_NAME = "Acme Corp"
# Job queue is internal: Acme sees it because its payouts run on it.
DEMO_PAGE_COMPONENTS = ("Card payments", "Payouts", "REST API", "Job queue")
DEMO_VIEWER = "ops@acme.example"
CUSTOMER_FOR_DAYS = 120


def add_private_page() -> None:
    """The page and its one viewer (whose invitation email is queued as any other)."""
    components = {
        c.name: c.public_id
        for c in db.session.scalars(
            select(Component).where(Component.name.in_(DEMO_PAGE_COMPONENTS))
        )
    }
    # Acme has been a customer since before the demo's history: owed last month's credits.
    made = utcnow() - timedelta(days=CUSTOMER_FOR_DAYS)
    with audit.recorded_at(made):
        page = create_page(
            None,
            slug=DEMO_PAGE_SLUG,
            name=DEMO_PAGE_NAME,
            components=[components[name] for name in DEMO_PAGE_COMPONENTS],
        )
    page.created_at = made
    viewer = invite_viewer(None, page, DEMO_VIEWER)
    # She has subscribed to Acme's notices (and confirmed) from the page.
    registry.activate(viewer_address(viewer), "demo: subscribed from the private page")


def print_demo_viewer() -> None:
    """Where ``herald demo`` prints its sign-ins: the viewer's unused sign-in link (the one
    her invitation emailed, so it keeps working), or a new one when that was used. Nothing
    is emailed."""
    page = page_by_slug(DEMO_PAGE_SLUG)
    viewer = (
        db.session.scalar(select(PageViewer).where(PageViewer.page_id == page.id))
        if page is not None
        else None
    )
    if viewer is None:
        return
    url = sign_in_url(viewer) if viewer.link_nonce else new_sign_in_link(viewer)
    db.session.commit()
    click.echo(f"\nDemo private page {page.name} (/p/{page.slug}), viewer {viewer.email}:")
    click.echo(f"  Sign in: {url}")
    click.echo(
        f"  The link works once, for {SIGN_IN_MAX_AGE // 3600} hours (it is the sign-in her "
        "invitation emailed: using either spends both); the next start prints a new one "
        "once it is used (or invite the viewer again at /admin/pages)."
    )
