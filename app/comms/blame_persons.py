"""When a capitalised word blamed for a fault is surely someone (``app.comms.blame``).

A capitalised agent of a fault may be a product ("Checkout broke after the update"), so
the blame check only warns about it. It is surely a person or a company, and the finding
an error, when the word is a common given name ("John Smith broke …", "Tom forgot …") or
when the act is one only people and companies do: making a mistake, forgetting,
mistyping, misconfiguring, or bringing in something defective ("deployed a broken
config"). A product that is also a given name (Ruby, Julia, Hugo, Ada …) is not listed.

Someone with a given name is also blamed when named as the cause ("failing because of John
Smith", "due to Priya") or as the maker of the thing that did the damage ("a config change
John Smith made stopped the payout files", "a change made by Tom broke exports").
"""

from __future__ import annotations

import os
import re
from functools import cache

from app.comms.blame_words import DAMAGED, DEFECT, WORK

NAMES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "given_names.txt")

HUMAN_ACT = re.compile(
    r"\b(?:made\s+(?:an?\s+|the\s+)?(?:\w+\s+)?(?:mistake|error|typo|blunder|slip)|"
    r"forg[eo]t|forgotten|mis-?typed|fat-fingered|messed\s+up|screwed\s+up|botched|bungled|"
    r"misconfigured|neglected|overlooked|"
    r"(?:deployed|pushed|shipped|released|applied|merged|ran|rolled\s+out|uploaded|committed|"
    r"installed|entered|typed)\s+(?:an?\s+|the\s+|some\s+)?" + DEFECT + r")\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?-i:[A-Z][a-z]+)")
_WORD_BEFORE = re.compile(r"(?-i:([A-Z][a-z]+))\s+$")


@cache
def given_names() -> frozenset[str]:
    with open(NAMES_FILE, encoding="utf-8") as names:
        return frozenset(
            line.strip() for line in names if line.strip() and not line.startswith("#")
        )


def surely_someone(text: str, start: int, end: int) -> bool:
    """Whether the capitalised agent found at ``text[start:end]`` is surely a person or a
    company: a given name in it or just before it ("John" of "John Smith broke"), or an
    act only people do."""
    words = text[start:end]
    if HUMAN_ACT.search(words):
        return True
    names = given_names()
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if before and before.group(1) in names:
        return True
    return any(m.group(0) in names for m in _CAPITALISED.finditer(words))


# A given name and maybe a surname, or an initial and a surname ("J. Smith").
_NAME = r"(?-i:(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|[A-Z]\.\s?[A-Z][a-z]+))"
# "because of John Smith", "due to Priya('s …)"; not "thanks to", which is praise.
_CAUSE_IS_SOMEONE = re.compile(
    r"\b(?:because\s+of|due\s+to|owing\s+to|caused\s+by|the\s+fault\s+of|blamed?\s+on)\s+" + _NAME,
    re.IGNORECASE,
)
_MADE = (
    r"(?:made|pushed|deployed|written|wrote|run|ran|applied|shipped|merged|done|did|"
    r"rolled\s+out|uploaded)"
)
# Someone's work: "a config change John Smith made", "the update made by Tom", "a
# configuration change by John Smith", "John Smith's configuration change".
_WORK_OF_SOMEONE = (
    re.compile(
        rf"\b{WORK}s?\s+(?:(?:that|which)\s+)?{_NAME}\s+(?:had\s+)?{_MADE}\b", re.IGNORECASE
    ),
    re.compile(rf"\b{WORK}s?\s+(?:{_MADE}\s+)?by\s+" + _NAME, re.IGNORECASE),
    re.compile(rf"{_NAME}['\u2019]s\s+(?:[\w-]+\s+)?{WORK}s?\b", re.IGNORECASE),
)
# What makes that work the cause of a fault: a damage said after it ("… stopped the
# payout files"), or the fault said before and the work linked to it as its cause
# ("payouts are failing after a change made by …").
_DAMAGE_AFTER = re.compile(rf"\b{DAMAGED}\b", re.IGNORECASE)
_FAULT_BEFORE = re.compile(
    rf"\b(?:{DAMAGED}|fail(?:s|ed|ing|ure)?|stopped|broken|down|outage|errors?|delayed|"
    r"disrupted|went\s+wrong)\b",
    re.IGNORECASE,
)
_LINKED = re.compile(
    r"\b(?:after|since|following|because\s+of|due\s+to|from|by)\s+"
    r"(?:(?:an?|the|his|her|their)\s+)?(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
# Where a sentence ends: not at an initial ("J. Smith").
_SENTENCE_END = re.compile(r"(?<!\s[A-Z])[.!?;]|\n")


def _someone(name: str, names: frozenset[str]) -> bool:
    return name.split()[0] in names or re.match(r"[A-Z]\.", name) is not None


def someone_blamed(text: str):
    """(start, end) of each person (a given name, or an initial and a surname) named as
    the cause of a fault, or as the maker of the thing that did the damage."""
    names = given_names()
    for match in _CAUSE_IS_SOMEONE.finditer(text):
        if _someone(match.group("name"), names):
            yield match.start(), match.end()
    for pattern in _WORK_OF_SOMEONE:
        for match in pattern.finditer(text):
            if not _someone(match.group("name"), names):
                continue
            begins = max(
                (m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), default=0
            )
            end = _SENTENCE_END.search(text, match.end())
            ends = end.start() if end else len(text)
            if _DAMAGE_AFTER.search(text, match.end(), ends) or (
                _LINKED.search(text, begins, match.start())
                and _FAULT_BEFORE.search(text, begins, match.start())
            ):
                yield match.start(), match.end()
