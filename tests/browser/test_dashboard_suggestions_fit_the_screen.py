"""In a real browser: the dashboard with a suggested incident whose facts are long (a
vendor's unbroken URL, a multi-line alert description) stays within the page at desktop
and phone widths; nothing makes the page scroll sideways."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import TIMEOUT_MS, serving

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) and says why
    expect = None

pytestmark = pytest.mark.browser

LONG_FACTS = (
    "Error rate above 20 % on "
    + "https://payments.example.com/v1/authorisations/"
    + "x" * 180
    + "\nlabels: alertname=CardAuthorisationErrors severity=critical "
    + "herald_component=Card-payments " * 6
)
WIDTHS = [(1280, 800), (390, 844)]


@pytest.fixture(scope="module")
def dashboard_server(chromium, tmp_path_factory) -> Iterator[str]:
    """The demo app plus one open suggestion with long facts, served on 127.0.0.1."""
    from sqlalchemy import select

    from app import create_app
    from app.demo import seed_demo
    from app.models import Base, Component, SuggestedIncident
    from core.db import db

    folder = tmp_path_factory.mktemp("dashboard")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'herald.db'}",
            "SECRET_KEY": "browser-dashboard-secret",
            "SERVER_NAME": None,
            "EMBEDDED_WORKER": False,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo()
        card = db.session.scalar(select(Component).where(Component.name == "Card payments"))
        db.session.add(
            SuggestedIncident(
                origin="alert",
                key="browser:long-facts",
                name="CardAuthorisationErrorsOnEveryAcquirerInEveryRegionAtOnce" * 2,
                impact="major",
                component_ids=[card.id],
                component_statuses={str(card.id): "major_outage"},
                facts=LONG_FACTS,
                link="https://payments.example.com/alerts/" + "y" * 120,
            )
        )
        db.session.commit()
        db.session.remove()
    with serving(app, folder, "herald-dashboard") as url:
        yield url


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_dashboard_with_a_long_suggestion_does_not_scroll_sideways(
    browser, dashboard_server, width, height
):
    from app.demo.content import DEMO_PASSWORD

    context = browser.new_context(
        base_url=dashboard_server, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/admin/")
        expect(page).to_have_url(re.compile(r"/login\?next="))
        page.get_by_label("Email").fill("admin@example.com")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))
        card = page.locator("#suggested li").filter(has_text="payments.example.com").first
        expect(card).to_be_visible()
        expect(card.get_by_role("button", name="Declare")).to_be_visible()
        expect(card.get_by_role("button", name="Dismiss")).to_be_visible()
        shots = os.environ.get("HERALD_SCREENSHOTS")
        if shots:
            page.screenshot(path=os.path.join(shots, f"dashboard-{width}.png"), full_page=True)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"the page scrolls sideways at {width} px: {widths}"
        # The card itself stays within the page, and so do its facts.
        for box in (card.bounding_box(), card.locator(".suggestion-facts").bounding_box()):
            assert box["x"] >= 0 and box["x"] + box["width"] <= widths[1] + 0.5
    finally:
        context.close()
