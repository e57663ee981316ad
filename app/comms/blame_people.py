"""A member of staff named in a text (``app.comms.blame``): when naming them blames them.

Naming a colleague is not blame in itself: the press quotes a chief officer, the lead
says who coordinates, a text thanks whoever fixed it. It is blame when the person is the
agent of a fault (the agent rules found them), or when what they did is given as the
cause: "failed after Priya changed the policy", "caused by Jordan's decision", "the root
cause was a table that Priya updated", "traced to a change approved by Priya".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from app.comms.blame_agents import ADVERB, NAME

# A name placed on a team or in a department is a person: "Bob from the payments team",
# "Sam on the Identity team", "Mark in operations".
ON_A_TEAM = re.compile(
    rf"{NAME}\s+(?:on|from|in|at|of)\s+(?:the\s+|our\s+)?(?:(?:[\w-]+\s+){{0,2}}?"
    r"(?:team|squad|department|dept|group|unit|division|desk|crew)\b|"
    r"(?:operations|ops|engineering|support|finance|(?-i:IT)|sales|marketing|security|"
    r"infrastructure|platform|networking|DevOps|SRE)\b(?!\s+(?:[\w-]+\s+)?(?:server|cluster|"
    r"region|service|system|database|API)s?\b))",
    re.IGNORECASE,
)

# Credit given to someone: "thanks to Priya", "kudos to", "well done".
_CREDIT = re.compile(
    r"\b(?:thanks|thank\s+you|thanked|credit|kudos|hats\s+off|shout-?out|grateful|gratitude|"
    r"praise)(?:\s+(?:goes\s+|go\s+)?(?:to|for))?\s*,?\s*$"
    r"|\bwell\s+done\s*,?\s*(?:to\s+)?$"
    # The remedy is theirs: "Fix deployed by Priya", "rollback done by Jordan".
    r"|\b(?:fix|patch|workaround|roll-?back|restore|recovery|mitigation)\w*\s+"
    r"(?:[\w-]+\s+){0,2}?by\s*$",
    re.IGNORECASE,
)
# Right before the name: whatever follows is the cause ("caused by", "the fault of").
_BY_CAUSE = re.compile(
    r"\b(?:caused|triggered|introduced|broken|started)\s+by\s+$|\b(?:fault|blame)\s+(?:of|on)\s+$"
    r"|\bdown\s+to\s+$",
    re.IGNORECASE,
)
# Right before the name: what they did next is the cause ("after Priya changed …").
_WHEN_CAUSE = re.compile(
    r"\b(?:because(?:\s+of)?|after|when|once|due\s+to|(?:the\s+)?result\s+of|resulted\s+from|"
    r"following|cause(?:\s+(?:was|is))?\s*:?)\s+$",
    re.IGNORECASE,
)
# Earlier in the clause: the cause is being named ("the root cause was a table that …").
_CAUSE_EARLIER = re.compile(
    r"\b(?:cause[sd]?|because|due\s+to|result(?:ed)?\s+(?:of|from)|traced\s+(?:back\s+)?to|"
    r"down\s+to|(?:started|began)\s+(?:with|when)|came\s+from|stemmed\s+from|triggered|"
    r"led\s+to|after|following)\b(?:(?!\b(?:and|but|so|while|whereas|then)\b)[^,;:.!?\n])*$",
    re.IGNORECASE,
)
# The name is the doer in that clause: "a table that Priya updated", "approved by Priya".
_DOER = re.compile(r"\b(?:that|which)\s+$|\b(?P<done>[\w-]+)\s+by\s+$", re.IGNORECASE)
# What a person does to recover, to learn, to lead or to speak: not the cause.
_CALM = re.compile(
    r"(?:restor|recover|repair|fix|resolv|roll|revert|restart|identif|found|spott|notic|"
    r"confirm|investigat|contact|alert|report|escalat|join|arriv|took\s+over|came|sign|log|"
    r"lead|led|chair|coordinat|own|said|say|explain|apologi|thank|promis|replac|remov|"
    r"isolat|review|check|test|help|call|told|tell|warn|ask|respond|monitor|paged|discover|"
    r"trac|diagnos|caught|flagg|raised|spoke|wrote|post|publish|brief|announc|is|was|will|"
    r"has\s+been|had\s+been|would|can|could)\w*\b",
    re.IGNORECASE,
)
_RECOVERED = re.compile(
    r"\b(?:recover\w*|restored|back|resolved|fixed|working\s+again|returned|normal)\b",
    re.IGNORECASE,
)
_VERB_AFTER = re.compile(ADVERB + r"\s+", re.IGNORECASE)
_SENTENCE_START = re.compile(r"[.!?;\n][^.!?;\n]*$")


def _credited(text: str, start: int) -> bool:
    return _CREDIT.search(text, max(0, start - 40), start) is not None


def _acts(text: str, end: int) -> bool:
    """Whether the words after the name are an act that could cause harm (a possessive,
    or a verb that is not recovering, leading or speaking)."""
    if re.match(r"['\u2019]s\b", text[end:]):
        return True
    after = _VERB_AFTER.match(text, end)
    return after is not None and not _CALM.match(text, after.end())


def _caused(text: str, start: int, end: int) -> bool:
    """Whether the person's act is given as the cause in their sentence."""
    opening = _SENTENCE_START.search(text, 0, start)
    sentence_start = opening.start() + 1 if opening else 0
    before = text[sentence_start:start]
    if _BY_CAUSE.search(before):
        return True
    when = _WHEN_CAUSE.search(before)
    if when is not None:
        # "After Priya updated the rules, payments recovered": the act that mended it.
        at_start = not before[: when.start()].strip(" *_-\u2014")
        return _acts(text, end) and not (at_start and _RECOVERED.search(text, end))
    if not _CAUSE_EARLIER.search(before):
        return False
    doer = _DOER.search(before)
    if doer is None:
        return False
    if doer.group("done"):
        return not _CALM.match(doer.group("done"))
    return True


def known_people_blamed(
    text: str, person: re.Pattern, span_starts: Iterable[int]
) -> Iterator[tuple[int, int]]:
    """(start, end) of each known person the text blames: found by the agent rules (their
    spans start at the name) or given as the cause, and not credited."""
    starts = set(span_starts)
    for m in person.finditer(text):
        if _credited(text, m.start()):
            continue
        if m.start() in starts or _caused(text, m.start(), m.end()):
            yield m.start(), m.end()
