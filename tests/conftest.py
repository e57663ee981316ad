"""Fixtures: an app per test on a real database (SQLite file by default, PostgreSQL when
HERALD_TEST_DATABASE_URL is set), factory fixtures, and a signed-in client."""

from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

os.environ["HERALD_ENV"] = "testing"

from app import create_app
from app.models import Base
from core.db import db
from tests import shared_engine
from tests.compile_once import compile_once

compile_once()

pytest_plugins = [
    "tests.fakes.plugin",  # fake_sendgrid, fake_twilio, smtp_sink ...
    "tests.forms",  # fill, text: forms as a browser submits them
]

TEST_DATABASE_URL = os.environ.get("HERALD_TEST_DATABASE_URL", "")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Create the tables once per run; each test then starts from empty tables.

    On PostgreSQL each run gets a schema of its own, so two runs on one database (a
    developer's and CI's, or parallel runs) never see each other's rows.
    """
    if not TEST_DATABASE_URL:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'herald.db'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        shared_engine.share_engines_for(url)
        yield url
        shared_engine.dispose_all()
        return
    schema = f"herald_test_{os.getpid()}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    # Each test commits many times; not waiting for each commit to reach the disk keeps
    # the suite's time on PostgreSQL close to SQLite's (a test database, thrown away).
    # A lock wait that never ends fails its test after 20 s instead of hanging the run.
    options = f"-csearch_path%3D{schema}%20-csynchronous_commit%3Doff%20-clock_timeout%3D20000"
    url = f"{TEST_DATABASE_URL}{separator}options={options}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    shared_engine.share_engines_for(url)
    yield url
    shared_engine.dispose_all()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def _empty_tables() -> None:
    from app.demo import reset_database

    reset_database()


@pytest.fixture
def app(database_url):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": "https://status.example.com",
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = IsolatedClient
    # Each test starts from empty tables: emptying them again after it would only double
    # the cost (every fixture that opens the test database empties it first).
    with app.app_context():
        _empty_tables()
        yield app
        db.session.rollback()
        db.session.remove()
        shared_engine.release(db.engine)


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context, as in production.

    The ``app`` fixture keeps an application context pushed for the whole test; a request
    would otherwise reuse it, and ``g`` (the signed-in user, the CSRF token) and the
    database session would leak from one client's request into the next. Running the
    request in an empty ``contextvars`` context makes Flask push a fresh one.
    """

    def open(self, *args, **kwargs):
        if _ISOLATED.get():  # a redirect followed inside the isolated request
            return super().open(*args, **kwargs)

        def run():
            _ISOLATED.set(True)
            return FlaskClient.open(self, *args, **kwargs)

        response = contextvars.Context().run(run)
        db.session.expire_all()  # the test's session then reads what the request committed
        return response


_ISOLATED = contextvars.ContextVar("isolated_request", default=False)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    from app.accounts import create_user

    counter = iter(range(1, 10_000))

    def make(role: str = "admin", email: str | None = None, **kwargs):
        user = create_user(
            None, email or f"{role}{next(counter)}@example.com", role, PASSWORD, **kwargs
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_component(app):
    from app.status.components import create_component, create_group

    groups = {}

    def make(name: str, group: str | None = None, **kwargs):
        if group is not None and group not in groups:
            groups[group] = create_group(None, group)
        component = create_component(
            None, name, group_id=groups[group].id if group else None, **kwargs
        )
        db.session.commit()
        return component

    return make


class StaffClient:
    """A test client that signs in and posts forms with the session's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, user, password: str = PASSWORD):
        response = self.client.get("/login")
        self.token = CSRF_RE.search(response.get_data(as_text=True)).group(1)
        response = self.client.post(
            "/login", data={"email": user.email, "password": password, "csrf_token": self.token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return self

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def staff(app):
    """``staff(user)`` gives a client signed in as ``user``."""

    def sign_in(user):
        return StaffClient(app.test_client()).login(user)

    return sign_in


@pytest.fixture
def audiences(app):
    from subscribers.audiences import all_audiences

    return all_audiences()


@pytest.fixture
def make_subscriber(app, audiences):
    """``make_subscriber(address, channel="email", audience="customers", components=None,
    key_account=False)``: an active, staff-added subscriber (no notice queued)."""
    from subscribers import registry

    def make(address, channel="email", audience="customers", components=None, **kwargs):
        subscriber, _ = registry.add_internal(
            channel,
            address,
            audience,
            component_ids=[c.id for c in components or []],
            notify=False,
            **kwargs,
        )
        db.session.commit()
        return subscriber

    return make


@pytest.fixture
def make_broadcast(app, audiences):
    """``make_broadcast(audience="customers", components=None, subject=...)``: a committed
    broadcast, not yet expanded."""
    from subscribers.outbox import Message, create_broadcast

    counter = iter(range(1, 100_000))

    def make(audience="customers", components=None, subject="Update", **kwargs):
        broadcast = create_broadcast(
            audience,
            Message(
                subject=subject,
                text="Body [%unsubscribe_url%]",
                sms="SMS body",
                webhook_payload={"x": 1},
            ),
            source=f"test:{next(counter)}",
            component_ids=[c.id for c in components or []],
            **kwargs,
        )
        db.session.commit()
        return broadcast

    return make
