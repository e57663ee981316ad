"""Fixtures for private pages: a page with a public and a hidden component, viewers who
sign in by the link their invitation email carries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.api.tokens import create_token
from app.pages import services, viewers
from core.db import db
from subscribers.models import Broadcast, Subscriber
from tests.api.helpers import ApiClient

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LINK_RE = re.compile(r"https://status\.example\.com(/p/sign-in/\S+)")


def sign_in_path(email: str) -> str:
    """The sign-in link of the latest invitation email to ``email``."""
    body = db.session.scalar(
        select(Broadcast.text_body)
        .join(Subscriber, Subscriber.id == Broadcast.subscriber_id)
        .where(Broadcast.kind == "page_sign_in", Subscriber.address == email)
        .order_by(Broadcast.id.desc())
        .limit(1)
    )
    assert body is not None, f"no sign-in email to {email}"
    return LINK_RE.search(body).group(1)


def use_link(client, path: str):
    """Open the emailed link and press its button, as a person does."""
    form = client.get(path)
    assert form.status_code == 200
    token = CSRF_RE.search(form.get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token})


@pytest.fixture
def parts(app, audiences, make_component):
    """A public component, one hidden from the public page, and one not on the page."""
    return {
        "api": make_component("Checkout API"),
        "ledger": make_component("Partner ledger", visibility="internal"),
        "mail": make_component("Newsletter"),
    }


@pytest.fixture
def make_page(app, parts):
    def make(slug="acme", name="Acme Corp", components=("api", "ledger")):
        page = services.create_page(
            None, slug=slug, name=name, components=[parts[c].public_id for c in components]
        )
        db.session.commit()
        return page

    return make


@pytest.fixture
def viewer_client(app, make_page):
    """``viewer_client(page, email)``: a browser signed in as that page's viewer."""

    def make(page, email="ana@acme.example"):
        viewers.invite_viewer(None, page, email)
        db.session.commit()
        client = app.test_client()
        response = use_link(client, sign_in_path(email))
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def api(app):
    """``api(user)``: a management API client with a new token of ``user``."""

    def make(user) -> ApiClient:
        _, plain = create_token(user, "test")
        db.session.commit()
        return ApiClient(app.test_client(), plain)

    return make
