"""Doubled punctuation: where a fact that ends with its own full stop meets the full stop
of the template around it ("Payments fail.." from "{{ facts.summary }}."), or a
truncated name meets one ("Card payments fai...."). Rendering tidies what the templates
produce (``tidy``); the checks point at what a person typed (``DOUBLED``).

An ellipsis ("...", "…") stays; a path ("../") and a range ("1..10") are not sentences.
"""

from __future__ import annotations

import re

# "..", "!.", "?.", ",,", and a full stop after an ellipsis ("....", "…."): not an
# ellipsis, nor dots after a space or inside a path or a range ("cd ..", "../", "1..10").
DOUBLED = re.compile(
    r"(?<=[^\s./])\.\.(?![.\w/])"
    r"|(?<=\w)[!?]\.(?![.\w])"
    r"|(?<=[^\s./])\.\.\.\.(?![.\w/])"
    r"|\u2026\.(?![.\w])"
    r"|,,",
)


def _single(found: re.Match) -> str:
    words = found.group(0)
    if words == "....":
        return "..."
    return words[0]


def tidy(text: str) -> str:
    """The text with each doubled mark made single, keeping the first (the fact's own):
    "fail.." → "fail.", "now!." → "now!", "fai...." → "fai...", ",," → ","."""
    return DOUBLED.sub(_single, text)
