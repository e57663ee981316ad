"""An agent's act given as the cause, for the blame check (``app.comms.blame``):
"because our card processor sent …", "after a subcontractor cut …", "the result of our
hosting provider failing to add …". What people do to recover ("restored", "rolled back"),
what merely befell them ("had problems") and what a company did that harmed nothing ("our
bank changed its systems") is not blame.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.comms.blame_agents import (
    ADVERB,
    AGENT,
    NAME,
    ROLE,
    TEAM,
    WHERE,
    WHO,
    has_role,
    is_name,
    is_role,
)
from app.comms.blame_words import (
    ANYWHERE,
    BAD,
    BENIGN,
    CAUSE,
    CHORE_UNDONE,
    DEFECT,
    FAULT,
    NOT_DONE,
    PURPOSE,
    REMEDY_OBJECT,
    REMOVE,
)

CAUSED = re.compile(
    rf"{CAUSE}(?P<who>{AGENT}|{NAME})(?P<at>{WHERE}){WHO}{ADVERB}\s+"
    rf"(?!{BENIGN})(?P<what>{FAULT}|[\w-]+ed|[\w-]{{3,}}ing|cut|sent|ran|took|put|set|lost|hit|"
    r"dug|wrote|pushed|made|shut|turned|switched|pulled|let|left|forgot|broke|gave|did|never|"
    r"not)\b",
    re.IGNORECASE,
)
_RECOVERED = re.compile(
    r"\b(?:recover\w*|restored|back|resolved|fixed|working\s+again|returned|normal)\b",
    re.IGNORECASE,
)
# A supplier's (or an unknown name's) act is only blame when it damaged something, handed
# over something bad or skipped a duty: "our bank deleted our account", "sent the same file
# twice", not "our bank changed its systems".
_DAMAGE = re.compile(
    r"(?:delet|remov|cut|sever|damag|lost|los|disabl|switch|turn|shut|unplug|disconnect|overw|"
    r"overr|revok|cancel|block|wip|corrupt|mis|broke|break|dropp|trunc|purg|eras|skipp|forg|"
    rf"ignor|neglect|{NOT_DONE})\w*"
    r"|[^.;]{0,60}?(?:\b(?:" + BAD + r"|late|twice|too\s+(?:few|many|late|early)|"
    r"last\s+(?:year|month|week|night)['\u2019]s|an?\s+old|superseded|"
    r"without\s+(?:any\s+)?(?:notice|warning))\b|" + ANYWHERE + r")",
    re.IGNORECASE,
)
_REMEDY = re.compile(
    r"\s+(?:(?:in\s+|out\s+|up\s+)?(?:an?|the|our)\s+)?(?:[\w-]+\s+)?(?:fix|patch|workaround|"
    r"remedy|repair)\b",
    re.IGNORECASE,
)
_CHORE_UNDONE = re.compile(CHORE_UNDONE, re.IGNORECASE)
_PURPOSE = re.compile(PURPOSE, re.IGNORECASE)
_TOOK_OUT_BAD = re.compile(rf"{REMOVE}\s+{REMEDY_OBJECT}", re.IGNORECASE)
_DEFECT_TAIL = re.compile(rf"[^.;!?\n]{{0,60}}?\b{DEFECT}\b", re.IGNORECASE)


def caused_blame(sentence: str, lead: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, sure) of each agent whose act is given as the cause in ``sentence``;
    ``lead`` is where the sentence's words begin."""
    for found in CAUSED.finditer(sentence):
        who = found.group("who")
        role = is_role(who)
        named = not role and is_name(who, False)
        if not role and not named:
            continue
        # "due to our staff not being able to reach the site": not doing is a fault only
        # when it is a duty left undone.
        people = role and re.fullmatch(rf"{ROLE}|{TEAM}", who, re.IGNORECASE)
        people = people and found.group("what").lower() != "not"
        # A company, or a capitalised word that may be one, must have done damage (or, a
        # company, left its job undone: "the result of our printer not posting them").
        if not (
            people
            or _DAMAGE.match(sentence, found.start("what"))
            or (role and _CHORE_UNDONE.match(sentence, found.start("what")))
        ):
            continue
        if _RECOVERED.search(sentence, 0, found.start()) or _REMEDY.match(sentence, found.end()):
            continue
        if found.start() <= lead and _RECOVERED.search(sentence, found.end()):
            continue  # "After our engineers switched traffic over, payments recovered."
        if _PURPOSE.search(sentence, found.end()) and not _DEFECT_TAIL.match(sentence, found.end()):
            continue  # "after engineers cut the power to make the site safe"
        if _TOOK_OUT_BAD.match(sentence, found.start("what")):
            continue  # "after the team removed the faulty node"
        # "Liam from the Growth squad" is a person; "Acme Grid Services" may be a company.
        yield (
            found.start("who"),
            found.end(),
            bool(role or found.group("at") or has_role(sentence, found.end("who"))),
        )
