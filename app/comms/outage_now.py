"""An outage told in the present tense, for the check of resolved texts
(``app.comms.checks``): "Merchants cannot use the API" in a text that says all is well."""

from __future__ import annotations

import re

from app.comms.phrases import CONDITIONAL, NEGATED, OUTAGE_NOW, PAST_MARKER, SAFEGUARD

# Where a sentence (or a heading's label: "Who was affected:") ends; not a time or a
# number ("13:40", "99.9%").
_SENTENCE_END = re.compile(r"[!?;\n]|[.:](?!\d)")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence holding ``text[start:end]`` begins and ends."""
    begins = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    after = _SENTENCE_END.search(text, end)
    return begins, after.start() if after else len(text)


def outage_now(text: str):
    """An outage told in the present tense ("Merchants cannot use the API"), where the
    sentence does not place it in the past ("were", "between 13:00 and 13:40", "for 40
    minutes"), under a condition ("if payments fail again"), negated ("no longer fail")
    or as a safeguard ("so that this cannot happen again")."""
    for match in OUTAGE_NOW.finditer(text):
        start, end, words = match.start(), match.end(), match.group(0)
        begins, ends = _sentence(text, start, end)
        if (
            PAST_MARKER.search(text, begins, ends)
            or SAFEGUARD.search(text, begins, ends)
            or re.search(r"\bagain\b", text[end:ends], re.IGNORECASE)
            or CONDITIONAL.search(text, max(begins, start - 60), start)
            or NEGATED.search(text, max(begins, start - 30), start)
        ):
            continue
        yield start, end, words
