"""Fixtures for the management API: tokens, a client that sends them, a small world."""

from __future__ import annotations

import pytest

from app.api.tokens import create_token
from core.db import db
from tests.api.helpers import ApiClient


@pytest.fixture
def token_for(app):
    """``token_for(user)``: a fresh plain API token of ``user``."""

    def make(user, name: str = "test") -> str:
        _, plain = create_token(user, name)
        db.session.commit()
        return plain

    return make


@pytest.fixture
def api(app, token_for):
    """``api(user)``: a client authenticated with a new token of ``user``;
    ``api(None)`` sends no token."""

    def make(user=None) -> ApiClient:
        return ApiClient(app.test_client(), token_for(user) if user is not None else None)

    return make


@pytest.fixture
def world(app, audiences, make_component, make_user):
    """Two components, a comms lead, an approver, a responder and a viewer."""
    return {
        "api": make_component("API", tier="tier1"),
        "db": make_component("Database"),
        "lead": make_user("comms_lead"),
        "approver": make_user("approver"),
        "responder": make_user("responder"),
        "viewer": make_user("viewer"),
    }
