"""Browser fixtures: the real app served over HTTP on 127.0.0.1, driven by Debian's
chromium through Playwright's sync API.

The live app has its own SQLite file in a temporary folder (not the ``database_url`` of
tests/conftest.py, whose ``app`` fixture empties tables around each test) and is loaded
once with the demo data. The server, Playwright and the browser are shared by the session
to keep these tests fast; each test gets a fresh browser context (no cookies, no cache).

Without chromium the tests are skipped with a message saying so; with
``HERALD_REQUIRE_BROWSER=1`` (CI sets it) a missing browser fails them instead.
``HERALD_CHROMIUM_PATH`` points at another chromium binary (default /usr/bin/chromium).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def browser_unavailable(reason: str) -> None:
    """Skip the test, or fail it when the environment requires the browser tests."""
    if os.environ.get("HERALD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; HERALD_REQUIRE_BROWSER=1, so this is a failure", pytrace=False)
    pytest.skip(f"{reason}; skipping the browser tests")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The chromium binary to drive, or a skip (a failure in CI) when there is none."""
    path = os.environ.get("HERALD_CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        browser_unavailable(f"chromium is not installed at {path} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        browser_unavailable("the playwright package is not installed")
    return path


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The real app with the demo data, served by werkzeug on a free port of 127.0.0.1."""
    from app import create_app
    from app.demo import seed_demo
    from app.models import Base
    from core.db import db

    folder = tmp_path_factory.mktemp("browser")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'herald.db'}",
            "SECRET_KEY": "browser-test-secret",
            "SERVER_NAME": None,
            "EMBEDDED_WORKER": False,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo()
        db.session.remove()

    with serving(app, folder, "herald-live") as url:
        yield LiveServer(url)


@contextlib.contextmanager
def serving(app, folder, name: str) -> Iterator[str]:
    """Serve ``app`` with werkzeug on a free port of 127.0.0.1 in a thread; yield its URL.
    On the way out: stop, close the database, remove ``folder``."""
    from core.db import db

    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: any free port
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(chromium, live_server):
    """One headless chromium for the session. It depends on ``live_server`` so that it
    closes its connections before the server shuts down."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def _new_context(browser, live_server: LiveServer, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh context with JavaScript on."""
    context = _new_context(browser, live_server)
    yield context.new_page()
    context.close()


@pytest.fixture
def no_js_page(browser, live_server):
    """A page in a fresh context with JavaScript disabled: the public pages need none."""
    context = _new_context(browser, live_server, java_script_enabled=False)
    yield context.new_page()
    context.close()


@dataclass
class Traffic:
    """What a page asked for and what went wrong while it was open."""

    netloc: str
    urls: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requested URLs not served by the live server (inline data: URLs fetch nothing)."""
        return [
            url
            for url in self.urls
            if not url.startswith("data:")
            and (urlsplit(url).scheme != "http" or urlsplit(url).netloc != self.netloc)
        ]


@pytest.fixture
def watch(live_server) -> Callable:
    """``watch(page)`` records every request URL of the page, and every failed request,
    error response (>= 400), console error and uncaught page error. ``watch(page, netloc)``
    does the same for a page of another server (a test module's own)."""

    def start(page, netloc: str | None = None) -> Traffic:
        traffic = Traffic(netloc or live_server.netloc)
        page.on("request", lambda request: traffic.urls.append(request.url))
        page.on(
            "requestfailed",
            lambda request: traffic.failures.append(f"failed: {request.url} {request.failure}"),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and traffic.failures.append(f"HTTP {response.status}: {response.url}")
            ),
        )
        page.on(
            "console",
            lambda message: (
                message.type == "error" and traffic.failures.append(f"console: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: traffic.failures.append(f"page error: {error}"))
        return traffic

    return start
