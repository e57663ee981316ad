"""Sentences the lead removed from a draft stay removed in the next update's draft for
the same audience, until the facts change them.

Each new set is rendered afresh from its fact sheet and the audience's template, so a
sentence the lead deleted from the last update's text (a workaround that no longer
applies, a line they found wrong) came back with every new update. The removal is read
from the texts themselves: the sentences the earlier set's template renders that its
draft no longer holds, nor anything close to them (a sentence that only differs, such as
a duration that grew, was kept, not removed). A sentence the new set renders word for
word the same is left out again; once the facts change it, it is a new sentence and
comes back.
"""

from __future__ import annotations

import difflib
import re

# A sentence inside one line: up to its full stop (or the line's end).
_SENTENCE = re.compile(r"[^\s].*?(?:[.!?](?=\s|$)|$)")
# A sentence kept with a small change, not removed: "for 35 min" → "for 2 h".
SIMILAR = 0.6


def sentences(text: str) -> list[str]:
    """Every sentence of ``text``, line by line, whitespace kept inside."""
    return [m.group(0).strip() for line in text.splitlines() for m in _SENTENCE.finditer(line)]


def removed(rendered: str, edited: str) -> set[str]:
    """The sentences of ``rendered`` the lead removed to make ``edited``."""
    kept = sentences(edited)
    gone = set()
    for sentence in sentences(rendered):
        if sentence in kept:
            continue
        close = difflib.get_close_matches(sentence, kept, n=1, cutoff=SIMILAR)
        if not close:
            gone.add(sentence)
    return gone


def without(text: str, gone: set[str]) -> str:
    """``text`` without the sentences in ``gone``; a line left empty goes too."""
    if not gone:
        return text
    lines = []
    for line in text.splitlines():
        parts = [m.group(0) for m in _SENTENCE.finditer(line)]
        if not any(p.strip() in gone for p in parts):
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        left = " ".join(p.strip() for p in parts if p.strip() not in gone)
        if left:
            lines.append(indent + left)
        elif lines and lines[-1] == "":
            continue  # no second empty line where a paragraph went
        else:
            lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# The texts a lead removes sentences from (the subject is one line, written whole).
REMOVABLE = ("page_text", "email_body", "sms_text")


def keep(texts, rendered, draft) -> bool:
    """Leave out of the new ``texts`` what the lead removed from ``draft``, the audience's
    draft of the earlier set, whose template rendered ``rendered``. True when that took
    anything out (the new text then carries the lead's edit)."""
    changed = False
    for name in REMOVABLE:
        gone = removed(getattr(rendered, name), getattr(draft, name) or "")
        kept = without(getattr(texts, name), gone)
        changed = changed or kept != getattr(texts, name)
        setattr(texts, name, kept)
    return changed
