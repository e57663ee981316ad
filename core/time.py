"""The one clock every model and service reads."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Use as a callable default, never a value."""
    return datetime.now(UTC)
