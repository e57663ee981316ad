"""Counts in plain English for staff pages, audit entries and logs: "1 error",
"3 errors", never "error(s)"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun in the number it needs: ``counted(1, "audience")`` is
    "1 audience", ``counted(2, "audience")`` "2 audiences"."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count} {noun}"
