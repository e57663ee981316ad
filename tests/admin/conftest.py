"""Fixtures for the staff-area tests (the form helpers are in tests/forms.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def responder(make_user, staff):
    return staff(make_user("responder", email="rafael@example.com"))


@pytest.fixture
def api(make_component):
    return make_component("API", group="Core")


@pytest.fixture
def database(make_component):
    return make_component("Database", group="Core")
