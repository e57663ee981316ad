"""Passive and possessive agents of a fault, for the blame check (``app.comms.blame``).

Sentences where the agent comes after the deed or owns it: "was misconfigured by a
contractor", "sent twice by a member of our operations team", "a digger operated by a
building contractor struck the cable", "the vendor's faulty update", "root cause: Priya's
deploy". Kept apart from the active-voice rules because they share their own small
vocabulary (what was done wrong in the verb group, what a vehicle struck) and the passive
"by" rule needs a judgement of its own (``done_wrong``) before it counts as blame.
"""

from __future__ import annotations

import re

from app.comms.blame_agents import ADVERB, AGENT, NAME, WHERE
from app.comms.blame_words import (
    ANYWHERE,
    BAD,
    CARELESSLY,
    DAMAGED,
    FAULT,
    FAULT_NOUN,
    TWICE_VERB,
    WORK,
)

_ANYWHERE = re.compile(ANYWHERE, re.IGNORECASE)

# Done by someone, and done wrong: "a migration that was run by the Identity team's on-call
# against the primary without a lock timeout", "a file that was sent twice by a member of
# our operations team", "rules were incorrectly updated by staff at the hub", "the
# certificate was not renewed by our provider". What was done wrong is said in the verb
# group (``how``, ``mid``) or after the agent (``rest``).
_DONE_BY = (
    r"(?P<how>(?:(?:not|never)\s+)?(?:(?:properly|yet|"
    + CARELESSLY
    + r")\s+)?)(?P<verb>[\w-]+ed|run|done|made|sent|set|put|shipped|written|built|left|taken|"
    r"read|cut|hit|struck|dug|given|chosen|paid|brought|kept|thrown|drawn|driven)"
    rf"(?P<mid>(?:\s+(?!by\b)[\w-]+){{0,3}}?)\s+by\s+(?P<who>{AGENT}|{NAME}){WHERE}"
    r"(?P<rest>[^.;!?]*)"
)
PASSIVE_BY = re.compile(r"\b(?:was|were|been|got|being)\s+" + _DONE_BY, re.IGNORECASE)
# The same without "was", after the thing done: "a throughput limit set too low by our SMS
# aggregator", "came from a CSV uploaded by James Okafor with the price column left blank".
# Blame when done wrong, or when the thing is given as the cause (``given_as_cause``).
REDUCED_BY = re.compile(
    r"\b(?P<thing>(?:an?|the|one|some|two|three|\d+)\s+(?:[\w-]+\s+){0,3}?)" + _DONE_BY,
    re.IGNORECASE,
)
_CAUSE_BEFORE = re.compile(
    r"\b(?:(?:came|comes|stemmed|arose|resulted)\s+from|caused\s+by|due\s+to|because\s+of|"
    r"traced\s+(?:back\s+)?to|result\s+of|cause\s+(?:was|is)|cause\s*:|down\s+to|"
    r"blamed\s+on)\s+$",
    re.IGNORECASE,
)
# The remedy, finding it or planned work is nobody's fault: "due to a fix deployed by our
# engineers", "due to the planned works carried out by our network partner".
_MENDED = re.compile(
    r"\b(?:fix|hotfix|patch|workaround|repair|roll-?back|mitigation|restore|recovery|planned|"
    r"scheduled|routine|agreed|regular|annual|maintenance)\b|"
    r"^(?:fixed|repaired|restored|recovered|reported|spotted|found|noticed|detected|caught|"
    r"flagged|identified|approved|reviewed|tested|replaced|removed)$",
    re.IGNORECASE,
)
# A duty left undone, said in the passive: "was not renewed by", "had never been tested by".
_DUTY_UNDONE = re.compile(
    r"(?:not|never)\s+(?:properly\s+|yet\s+)?(?:renew|test|check|review|patch|updat|appl|"
    r"approv|verif|monitor|escalat|secur|lock|back|fix|replac|notic|spott|follow|act|read|"
    r"configur|maintain|inspect|servic|clean|repair|sign)",
    re.IGNORECASE,
)
# Said of the act in the verb group: "sent twice", "updated incorrectly", "run too early".
_DONE_WRONG = re.compile(
    rf"\b(?:{CARELESSLY}|too\s+(?:early|late|soon|often|low|high|small|short|tight|strict)|"
    r"by\s+(?:mistake|accident|error)|half[\s-]|partly|partially|out\s+of\s+order|"
    r"without|instead|in\s+error)",
    re.IGNORECASE,
)
# Handed over twice: "a payment file that was sent twice by …" (not "checked twice").
_TWICE = re.compile(rf"{TWICE_VERB}(?:\s+[\w-]+)*?\s+(?:twice|two\s+times|in\s+duplicate)", re.I)
# What someone drove or worked with did the damage: "a digger operated by a building
# contractor struck an underground cable", "a van belonging to our courier hit the gate".
_STRUCK = (
    r"(?:struck|hit|ruptured|pierced|punctured|snagged|clipped|"
    r"(?:crashed|ran|reversed|drove|backed|smashed)\s+into)\b"
)
WIELDED = re.compile(
    r"\b(?:(?:operated|driven|used|worked|controlled|owned|hired|run|steered|handled)\s+by|"
    rf"belonging\s+to)\s+(?P<who>{AGENT}|{NAME}){WHERE}\s*,?{ADVERB}\s+"
    rf"(?P<what>{FAULT}|{_STRUCK})",
    re.IGNORECASE,
)
# Harmed by someone: "the router was misconfigured by a contractor", "the install was
# botched by the vendor's technicians", "the certificate was allowed to expire by …".
PASSIVE_FAULT = re.compile(
    r"\b(?:was|were|been|got|being)\s+(?:(?:accidentally|mistakenly|wrongly|incorrectly|"
    r"carelessly)\s+)?(?:misconfigured|botched|bungled|deleted|wiped|erased|broken|damaged|"
    r"cut|severed|corrupted|overwritten|truncated|mishandled|misrouted|mislabell?ed|misread|"
    r"mis-?typed|forgotten|ignored|overlooked|missed|skipped|unplugged|disconnected|"
    r"switched\s+off|turned\s+off|shut\s+(?:down|off)|allowed\s+to\s+(?:expire|lapse|run\s+out)|"
    r"left\s+(?:[\w-]+\s+){0,2}?(?:disabled|switched\s+off|unpatched|open|exposed))"
    rf"(?:\s+[\w-]+){{0,3}}?\s+by\s+(?P<who>{AGENT}|{NAME}){WHERE}(?P<rest>[^.;!?]*)",
    re.IGNORECASE,
)
# "the vendor's faulty update", "Casey's mistake", "our supplier's failure to deliver",
# "a developer's change [broke checkout]", "Priya's script [truncated the table]".
POSSESSIVE = re.compile(
    rf"\b(?P<who>{AGENT}|{NAME})['\u2019]s\s+(?:{FAULT_NOUN}|failure\s+to|"
    rf"(?:[\w-]+\s+)?(?:{BAD}|botched|bungled|careless|sloppy|rushed|unauthori[sz]ed)\s+"
    rf"(?:[\w-]+\s+)?{WORK}|(?:[\w-]+\s+){{0,2}}?{WORK}s?(?=\s+(?:(?:had|has|then|also|"
    rf"accidentally)\s+)*{DAMAGED})"
    # What they drove or worked with: "a contractor's digger cut through the cable".
    r"|(?:[\w-]+\s+)?(?:digger|excavator|drill|van|lorry|truck|vehicle|crane|machine)s?\s+"
    rf"(?:{FAULT}|{_STRUCK})"
    # Their act, and what it brought or did: "Priya's deploy of build 4.12 shipped with
    # the flags flipped", "the vendor's update to the firmware broke pairing".
    rf"|(?:[\w-]+\s+){{0,2}}?{WORK}s?(?:\s+(?:of|to|for|on|in|against)(?:\s+[\w.-]+){{1,3}}?)?"
    rf"(?=\s+(?:(?:had|has|then|also|accidentally)\s+)*{DAMAGED}))",
    re.IGNORECASE,
)
# Someone's work named as the cause: "Root cause: Priya's deploy of build 4.12", "traced
# to the vendor's update"; not their planned work ("due to the council's scheduled works").
_THEIR_WORK = WORK.replace("|work)", ")")
CAUSE_WORK = re.compile(
    r"\b(?:(?:root\s+)?cause\s*(?:(?:was|is)\b\s*)?:?|traced\s+(?:back\s+)?to|came\s+from|"
    r"stemmed\s+from|(?:started|began)\s+with|because\s+of|due\s+to|(?:the\s+)?result\s+of)"
    rf"\s+(?P<who>{AGENT}|{NAME})['\u2019]s\s+(?!(?:planned|scheduled|routine|regular|annual|"
    rf"agreed)\b)(?:[\w-]+\s+){{0,2}}?(?:{_THEIR_WORK}|{FAULT_NOUN}|failure\s+to)s?\b",
    re.IGNORECASE,
)


def done_wrong(found: re.Match) -> bool:
    """Whether a ``PASSIVE_BY`` match says the act was done wrong: something bad or out of
    place follows the agent, a duty was left undone, the verb group says how it went wrong,
    or it was handed over twice. Without one of these, "was run by the team" is just work."""
    rest = found.group("rest")
    how = found.group("how") + found.group("verb")
    twice = _TWICE.fullmatch(found.group("verb") + found.group("mid"))
    return bool(
        _ANYWHERE.search(rest)
        or re.search(rf"\b{BAD}\b", rest, re.IGNORECASE)
        or _DUTY_UNDONE.match(how)
        or _DONE_WRONG.search(found.group("how") + found.group("mid"))
        or twice
    )


def given_as_cause(sentence: str, found: re.Match) -> bool:
    """Whether a ``REDUCED_BY`` match is the cause in its sentence ("came from a CSV
    uploaded by …") and neither the remedy nor its finding ("due to a fix deployed by …")."""
    return (
        _CAUSE_BEFORE.search(sentence, 0, found.start()) is not None
        and not _MENDED.search(found.group("thing"))
        and not _MENDED.search(found.group("verb"))
    )
