"""A private page's viewer in a real browser: staff invite her in the admin, she opens the
emailed sign-in link, presses the button and lands on Acme Corp's page, which shows the
component hidden from the public page and the incident touching Acme's services; the
staff pages stay closed to her.

The module runs its own server with the demo data and no worker: the sign-in link is read
from the invitation email in the outbox, in the server's app context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) and says why
    expect = None

from app.demo import DEMO_PASSWORD
from tests.browser.conftest import serving

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000
VIEWER = "new.viewer@acme.example"
ACTIVE_INCIDENT = "Slower card authorisations in the EU"


@dataclass(frozen=True)
class PagesServer:
    url: str
    app: object


@pytest.fixture(scope="module")
def pages_server(chromium, tmp_path_factory) -> Iterator[PagesServer]:
    from app import create_app
    from app.demo import seed_demo
    from app.models import Base
    from core.db import db

    folder = tmp_path_factory.mktemp("pages")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'herald.db'}",
            "SECRET_KEY": "browser-pages-secret",
            "SERVER_NAME": None,
            "EMBEDDED_WORKER": False,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo()
        db.session.remove()
    with serving(app, folder, "herald-pages") as url:
        yield PagesServer(url, app)


@pytest.fixture
def new_page(browser, pages_server):
    contexts = []

    def make():
        context = browser.new_context(base_url=pages_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def emailed_link(server: PagesServer, address: str) -> str:
    """The sign-in link in the latest invitation email to ``address`` (the outbox row)."""
    from sqlalchemy import select

    from core.db import db
    from subscribers.models import Broadcast, Subscriber

    with server.app.app_context():
        body = db.session.scalar(
            select(Broadcast.text_body)
            .join(Subscriber, Subscriber.id == Broadcast.subscriber_id)
            .where(Broadcast.kind == "page_sign_in", Subscriber.address == address)
            .order_by(Broadcast.id.desc())
            .limit(1)
        )
        db.session.remove()
    return re.search(r"(/p/sign-in/\S+)", body).group(1)


def test_a_viewer_goes_from_the_emailed_link_to_her_private_page(new_page, pages_server):
    staff = new_page()
    staff.goto("/admin/pages/acme")
    staff.get_by_label("Email").fill("admin@example.com")
    staff.get_by_label("Password").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.get_by_role("heading", name="Acme Corp")).to_be_visible()
    staff.get_by_label("Email address").fill(VIEWER)
    staff.get_by_role("button", name="Invite viewer").click()
    expect(staff.locator("table.page-viewers")).to_contain_text(VIEWER)

    viewer = new_page()
    assert viewer.goto("/p/acme").status == 404  # not signed in: no such page

    viewer.goto(emailed_link(pages_server, VIEWER))
    viewer.get_by_role("button", name="Sign in").click()
    expect(viewer).to_have_url(re.compile(r"/p/acme$"))
    expect(viewer.locator("p.private-page")).to_contain_text("Acme Corp")
    components = viewer.locator("section.components")
    expect(components.get_by_text("Job queue", exact=True)).to_be_visible()  # hidden publicly
    expect(components.get_by_text("Search cluster", exact=True)).to_have_count(0)
    expect(viewer.locator("article.event").filter(has_text=ACTIVE_INCIDENT)).to_be_visible()

    viewer.goto("/admin/")
    expect(viewer).to_have_url(re.compile(r"/login"))
