"""The fixtures the communications tests share."""

from __future__ import annotations

import pytest

from tests.comms.worldkit import build_world


@pytest.fixture
def world(app, audiences):
    """Teams, their components and subscribers (tests/comms/worldkit.py)."""
    return build_world()
