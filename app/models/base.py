"""Statuspage-style public ids for the models that the public JSON names."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    """A 12-character opaque id, in the style of Statuspage's ids."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))
