"""People as the agents of a fault: the blame check (``app.comms.checks``).

A named person, a role ("our on-call engineer", "a developer"), a team ("the payments
team") or a supplier ("our vendor", "our hosting provider") that made a mistake, broke,
botched, forgot, failed to, restarted the wrong thing or shipped a broken build is blame;
the same people doing their job ("our engineers deployed a fix", "the team is restoring
service") is not. Regular rules over sentences: the measured language models were too
slow per draft and missed as many names as they found (see bench/checks.py and README).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.comms.phrases import BLAME, NOT_NAMES, named_culprits

# Who can be at fault ----------------------------------------------------------------------
_DET = (
    r"(?:(?:an?|the|our|their|one\s+of\s+(?:our|the)|two\s+of\s+our|some\s+of\s+our|"
    r"a\s+member\s+of\s+(?:our|the)|another)\s+)"
)
_ROLE_NOUN = (
    r"(?:engineer|developer|employee|operator|contractor|colleague|admin(?:istrator)?|intern|"
    r"technician|programmer|sysadmin|dba|sre|staff\s+member|team\s+member|member\s+of\s+staff|"
    r"(?:support|team|tech|incident|release|shift|engineering|product)\s+(?:lead|manager))s?"
)
_ROLE = _DET + r"?(?:[\w-]+\s+)?" + _ROLE_NOUN + r"|someone|somebody"
_TEAM = _DET + r"(?:[\w-]+\s+){0,2}?teams?"
_SUPPLIER = (
    _DET + r"(?:[\w-]+\s+){0,2}?(?:vendor|provider|supplier|partner|processor|gateway|bank|"
    r"carrier|host|third[\s-]party)s?"
)
_NAME = r"(?-i:[A-Z][^\W\d_]{2,}(?:\s+[A-Z][^\W\d_]{2,})?)"
AGENT = rf"(?:{_ROLE}|{_TEAM}|{_SUPPLIER})"
# "on the payments team", "from Identity", "in operations", ", who"
_WHERE = (
    r"(?:\s+(?:on|from|in|at)\s+(?:the\s+|our\s+)?(?:[\w-]+\s+){0,2}?(?:[\w-]+\s+team\b|[\w-]+))?"
)
_WHO = r"(?:\s*,?\s+who)?"
_ADVERB = r"(?:\s+(?:accidentally|mistakenly|wrongly|carelessly|inadvertently|then|also|had|just))*"

# What makes it a fault ---------------------------------------------------------------------
_BAD = r"(?:bad|wrong|faulty|broken|untested|buggy|incorrect|mistaken|erroneous|corrupt(?:ed)?)"
_FAULT = (
    r"(?:"
    r"made\s+(?:an?\s+|the\s+)?(?:mistake|error|typo|blunder|slip)"
    r"|broke(?!\s+(?:[\w-]+\s+){0,3}?(?:into|up\s+into)\b)"
    r"|botched|bungled|messed\s+up|screwed\s+up|fat-fingered|misconfigured|mistyped|"
    r"overlooked|neglected|forgot|missed|ignored|skipped|wiped"
    r"|failed\s+to|did\s*n[o']t\s+(?:test|check|notice|renew|follow)"
    r"|let\s+(?:[\w-]+\s+){1,3}?(?:expire|lapse|run\s+out)"
    r"|introduced\s+(?:an?\s+|the\s+)?(?:bug|error|fault|regression|mistake)"
    r"|(?:is|are|was|were)\s+(?:to\s+blame|at\s+fault|responsible\s+for\s+the)"
    r"|accidentally|mistakenly|wrongly|carelessly|inadvertently"
    r"|(?:[\w-]+ed|ran|sent|took|put|made|shipped|wrote|set|gave|built|left|brought)"
    r"(?:\s+(?:out|in|up))?\s+(?:an?\s+|the\s+|some\s+)?(?:[\w-]+\s+)?" + _BAD + r"\b"
    r")"
)
# Said anywhere after the agent and a verb in the same sentence.
_ANYWHERE = (
    r"\bby\s+(?:mistake|accident)\b|\bwithout\s+(?:any\s+)?(?:review|testing|tests|checking|"
    r"approval|running\s+the\s+tests)\b|\binstead\s+of\b|\bwiped\b"
)
_FAULT_NOUN = r"(?:mistake|error|typo|blunder|negligence|oversight|slip|fault)"

AGENT_FAULT = re.compile(
    rf"\b(?P<who>{AGENT}){_WHERE}{_WHO}{_ADVERB}\s+(?P<what>{_FAULT})", re.IGNORECASE
)
NAME_FAULT = re.compile(
    rf"(?P<who>{_NAME}){_WHERE}{_WHO}{_ADVERB}\s+(?P<what>{_FAULT})", re.IGNORECASE
)
AGENT_VERB = re.compile(
    rf"\b(?P<who>{AGENT}|{_NAME}){_WHERE}{_WHO}{_ADVERB}\s+(?P<what>[\w-]+ed|ran|sent|took|put)\b",
    re.IGNORECASE,
)
ANYWHERE = re.compile(_ANYWHERE, re.IGNORECASE)
# "a typo by one of our operators", "human error by Dave", "caused by our support team",
# "a bad change was pushed by a developer", "the platform team's mistake", "Casey's error".
BY_AGENT = re.compile(
    rf"\b(?:{_FAULT_NOUN}\s+(?:made\s+)?by|(?:caused|triggered|broken)\s+by|fault\s+lies\s+with)\s+"
    rf"(?P<who>{AGENT}|{_NAME}){_WHERE}",
    re.IGNORECASE,
)
BAD_THING_BY = re.compile(
    rf"\b{_BAD}\s+[\w-]+\s+(?:was|were)\s+[\w-]+(?:\s+out)?\s+by\s+(?P<who>{AGENT}|{_NAME})",
    re.IGNORECASE,
)
POSSESSIVE = re.compile(
    rf"\b(?P<who>{AGENT}|{_NAME})['\u2019]s\s+(?:{_FAULT_NOUN}|(?:[\w-]+\s+)?(?:change|commit|"
    r"deploy(?:ment)?|config(?:uration)?|script)\s+(?:broke|caused|took))",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?;\n]+(?:[.!?;]+|$)|[^\n]+")
_NOT_A_NAME = NOT_NAMES | frozenset(
    "Yesterday Today Earlier Later Since After Before When While Thanks Sorry Good Next "  # noqa: SIM905
    "Some Many Most All Any Every Each Our Your Their An A If Once Until Probably Maybe "
    "Perhaps Possibly".split()
)


def _is_name(words: str, sentence_start: bool) -> bool:
    first = words.split()[0]
    if first in _NOT_A_NAME or not first[0].isupper():
        return False
    return not sentence_start or len(words.split()) == 2 or first not in _COMMON_STARTS


# Capitalised words that open a sentence about a system, not a person.
_COMMON_STARTS = frozenset(
    "Payments Checkout Sign Signing Login Search Exports Invoices Deliveries Customers "  # noqa: SIM905
    "Orders Emails Uploads Traffic Something Nothing Everything Engineers Operators".split()
)


def blame_spans(text: str) -> Iterator[tuple[int, int, str, bool]]:
    """(start, end, words, sure) for each person, role, team or supplier named as the agent
    of a fault; ``sure`` is false for a capitalised word that may be a product."""
    for match in SENTENCE.finditer(text):
        sentence, offset = match.group(0), match.start()
        yield from _in_sentence(sentence, offset)


def _in_sentence(sentence: str, offset: int) -> Iterator[tuple[int, int, str, bool]]:
    lead = len(sentence) - len(sentence.lstrip(" :*_-\u2014"))
    for pattern in (AGENT_FAULT, NAME_FAULT, BY_AGENT, BAD_THING_BY, POSSESSIVE):
        for found in pattern.finditer(sentence):
            who = found.group("who")
            role = re.fullmatch(AGENT, who, re.IGNORECASE) is not None
            if not role and not _is_name(who, found.start("who") <= lead):
                continue
            # "human error by Dave …": point at the person, beside the phrase's own finding.
            start = found.start("who") if pattern in (BY_AGENT, BAD_THING_BY) else found.start()
            sure = role or pattern is BY_AGENT  # "an error by Dave": Dave is a person
            yield offset + start, offset + found.end(), sentence[start : found.end()], sure
    for found in AGENT_VERB.finditer(sentence):
        who = found.group("who")
        role = re.fullmatch(AGENT, who, re.IGNORECASE) is not None
        if not role and not _is_name(who, found.start("who") <= lead):
            continue
        if ANYWHERE.search(sentence, found.end("what")):
            yield offset + found.start(), offset + found.end(), found.group(0), role


def all_blame(
    text: str, person: re.Pattern | None, caused_by_team: re.Pattern | None
) -> list[tuple[int, int, str, str]]:
    """Every blame finding in one text as (start, end, words, kind), one per place: kind is
    ``phrase``, ``team``, ``person`` (a known person), ``agent`` or ``maybe`` (a
    capitalised word that may be a person)."""
    found: list[tuple[int, int, str, str]] = []

    def add(start: int, end: int, words: str, kind: str) -> None:
        if not any(start < e and s < end for s, e, _, _ in found):
            found.append((start, end, words, kind))

    for m in BLAME.finditer(text):
        add(m.start(), m.end(), m.group(0), "phrase")
    if caused_by_team is not None:
        for m in caused_by_team.finditer(text):
            add(m.start(), m.end(), m.group(0), "team")
    if person is not None:
        for m in person.finditer(text):
            add(m.start(), m.end(), m.group(0), "person")
    for start, end, words in named_culprits(text):
        add(start, end, words, "maybe")
    for start, end, words, sure in blame_spans(text):
        add(start, end, words, "agent" if sure else "maybe")
    return found
