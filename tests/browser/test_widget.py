"""The banner script on a customer's site, in a real browser: a page of another origin
includes ``/widget.js``; during an open incident it shows the banner (remote text as
text), which can be dismissed; while all is operational it shows nothing. The iframe
card is framed by that other origin and shows without script.

The module runs its own server (not the demo's), with one public component, so that it
can open and resolve incidents without touching the other browser tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) and says why
    expect = None

from tests.browser.conftest import TIMEOUT_MS, serving

pytestmark = pytest.mark.browser

INCIDENT = "Card payments slower <img src=x> & failing"


@dataclass(frozen=True)
class Sites:
    herald: str  # the status page
    shop: str  # the customer's site, another origin
    app: object


def shop_server(herald: str) -> ThreadingHTTPServer:
    """A customer's site on another port of 127.0.0.1: a page with the script tag and
    one with the iframe."""
    pages = {
        "/": f'<!doctype html><html lang="en"><head><title>Shop</title>'
        f'<link rel="icon" href="data:,"><script src="{herald}/widget.js" async></script></head>'
        "<body><h1>Our shop</h1></body></html>",
        "/framed": f'<!doctype html><html lang="en"><head><title>Shop</title>'
        '<link rel="icon" href="data:,"></head><body>'
        f'<iframe id="status" src="{herald}/embed" title="Service status" width="320" '
        'height="160"></iframe></body></html>',
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # the standard library names it
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture(scope="module")
def sites(chromium, tmp_path_factory) -> Iterator[Sites]:
    from app import create_app
    from app.models import Base
    from app.status.components import create_component
    from core.db import db

    folder = tmp_path_factory.mktemp("widget")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'herald.db'}",
            "SECRET_KEY": "browser-widget-secret",
            "SERVER_NAME": None,
            "EMBEDDED_WORKER": False,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        create_component(None, "Card payments")
        db.session.commit()
        db.session.remove()
    with serving(app, folder, "herald-widget") as herald:
        shop = shop_server(herald)
        thread = threading.Thread(target=shop.serve_forever, name="shop", daemon=True)
        thread.start()
        try:
            yield Sites(herald, f"http://127.0.0.1:{shop.server_port}", app)
        finally:
            shop.shutdown()
            shop.server_close()
            thread.join(timeout=10)


@pytest.fixture
def open_incident(sites):
    """An open public incident on the status page while the test runs."""
    from app.incidents.services import declare_incident, post_incident_update
    from app.models import Component
    from core.db import db

    with sites.app.app_context():
        card = db.session.query(Component).one()
        incident = declare_incident(
            None, INCIDENT, "major", {card: "partial_outage"}, body="Looking.", reviewed=True
        )
        db.session.commit()
        incident_id = incident.id
        db.session.remove()
    yield
    with sites.app.app_context():
        from app.models import Incident

        incident = db.session.get(Incident, incident_id)
        post_incident_update(None, incident, "resolved", "Fixed.", reviewed=True)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def shop_page(browser, sites):
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def load_shop(page, sites, path: str = "/"):
    """Open the shop's page and wait until the widget has read the summary."""
    with page.expect_response(f"{sites.herald}/api/v2/summary.json") as answer:
        page.goto(f"{sites.shop}{path}")
    assert answer.value.status == 200
    assert answer.value.headers["access-control-allow-origin"] == "*"
    # Let the script act on the answer before looking.
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 100))")


def test_the_banner_shows_during_an_incident_and_can_be_dismissed(
    shop_page, sites, open_incident, watch
):
    traffic = watch(shop_page, urlsplit(sites.shop).netloc)
    load_shop(shop_page, sites)
    banner = shop_page.locator("#herald-status-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "status")
    # The incident's name is shown as text: its markup builds nothing.
    expect(banner).to_contain_text(f"{INCIDENT} (investigating)")
    expect(banner.locator("img")).to_have_count(0)
    expect(banner.get_by_role("link", name="View status")).to_have_attribute(
        "href", f"{sites.herald}/"
    )
    # Above the shop's own content.
    assert shop_page.evaluate("() => document.body.firstElementChild.id") == (
        "herald-status-banner"
    )

    banner.get_by_role("button", name="Dismiss the status notice").click()
    expect(banner).to_have_count(0)
    # Dismissed stays dismissed in this tab while the same incidents are open.
    load_shop(shop_page, sites)
    expect(shop_page.locator("#herald-status-banner")).to_have_count(0)
    assert traffic.failures == []


def test_no_banner_while_all_is_operational(shop_page, sites, watch):
    traffic = watch(shop_page, urlsplit(sites.shop).netloc)
    load_shop(shop_page, sites)
    expect(shop_page.get_by_role("heading", name="Our shop")).to_be_visible()
    expect(shop_page.locator("#herald-status-banner")).to_have_count(0)
    assert shop_page.evaluate("() => document.body.children.length") == 1
    assert traffic.failures == []


def test_another_site_frames_the_card(shop_page, sites, open_incident, watch):
    traffic = watch(shop_page, urlsplit(sites.shop).netloc)
    shop_page.goto(f"{sites.shop}/framed")
    card = shop_page.frame_locator("#status")
    expect(card.locator(".ind")).to_have_text("Partial System Outage")
    expect(card.get_by_role("link", name=INCIDENT)).to_be_visible()
    # The inline style applied (its hash is allowed): the dot has its colour.
    colour = card.locator(".ind .dot").evaluate("dot => getComputedStyle(dot).backgroundColor")
    assert colour == "rgb(188, 76, 0)"
    assert traffic.failures == []
