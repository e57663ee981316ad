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
    r"a\s+member\s+of\s+(?:our|the)|another|whose|its|"
    r"(?:(?:the|our|their|its)\s+)?(?:[\w-]+\s+)?[\w-]+['\u2019]s)\s+)"
)
_ROLE_NOUN = (
    r"(?:engineer|developer|employee|operator|contractor|colleague|admin(?:istrator)?|intern|"
    r"technician|programmer|sysadmin|dba|sre|staff\s+member|team\s+member|member\s+of\s+staff|"
    r"staff|personnel|worker|"
    r"director|officer|clerk|analyst|architect|specialist|electrician|accountant|nurse|doctor|"
    r"teacher|(?:teaching|lab|research|admin|shop|sales)\s+assistant|moderator|volunteer|"
    r"pharmacist|receptionist|agent|representative|on-call(?:\s+engineer)?|"
    r"(?:delivery|van|lorry|truck|bus|courier)\s+driver|"
    # A manager of a place or a shift, not of packages or certificates (software).
    r"(?:support|team|tech|incident|release|shift|engineering|product|store|shop|depot|"
    r"warehouse|site|duty|account|project|operations|ops|office|branch|line|general|area|"
    r"regional|delivery|it|programme|program|floor|night|plant|factory|hub|yard|community|"
    r"social\s+media|customer|case|ward|practice|venue|contact\s+"
    r"centre|call\s+centre)\s+(?:lead|manager|supervisor|coordinator))s?"
)
_ROLE = _DET + r"?(?:[\w-]+\s+){0,2}?" + _ROLE_NOUN + r"|someone|somebody|whoever|anyone\s+who"
# A group of people inside the company: "the payments team", "our IT department".
_TEAM = (
    _DET + r"(?:[\w-]+\s+){0,2}?(?:team|department|dept|division|unit|squad|crew|desk|"
    r"group|office)s?"
    r"|(?-i:[A-Z][\w-]+)\s+(?:team|department|squad|crew|desk)s?"
)
_SUPPLIER = (
    _DET + r"(?:[\w-]+\s+){0,2}?(?:vendor|provider|supplier|partner|processor|gateway|bank|"
    r"carrier|courier|host|third[\s-]party|registrar|isp|landlord|subcontractor|consultant|"
    r"agency|contractor|outsourcer|firm|company|board|authority|council|insurer|airline|"
    r"operator|hospital|school|supplier)s?"
)
_NOT_A_NAME = NOT_NAMES | frozenset(
    "Yesterday Today Earlier Later Since After Before When While Thanks Sorry Good Next "  # noqa: SIM905
    "Some Many Most All Any Every Each Our Your Their An A If Once Until Probably Maybe "
    "Perhaps Possibly".split()
)
# A capitalised word or two, not one of those: "After Marco ran …" names Marco.
_NAME = (
    r"(?-i:(?!(?:" + "|".join(sorted(_NOT_A_NAME, key=len, reverse=True)) + r")\b)"
    r"[A-Z][^\W\d_]{2,}(?:\s+[A-Z][^\W\d_]{2,})?)"
)
AGENT = rf"(?:{_ROLE}|{_TEAM}|{_SUPPLIER})"
# "on the payments team", "from Identity", "in operations", ", who"
_WHERE = (
    r"(?:\s+(?:on|from|in|at)\s+(?:the\s+|our\s+|(?:one|some|each)\s+of\s+(?:our|the)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:[\w-]+\s+(?:team|squad|department|group|unit|"
    r"division|desk|crew|office)\b|[\w-]+))?"
)
# ", who", ", which", or the agent's own name in commas: "our supplier, TxtLine, let …"
_WHO = r"(?:\s*,\s*" + _NAME + r"\s*,|\s*,?\s+(?:who|which))?"
_ADVERB = (
    r"(?:\s+(?:accidentally|mistakenly|wrongly|carelessly|inadvertently|then|also|had|just|"
    r"probably|possibly|apparently|reportedly|(?:may|might|must)\s+have|seems\s+to\s+have))*"
)

# What makes it a fault ---------------------------------------------------------------------
_BAD = r"(?:bad|wrong|faulty|broken|untested|buggy|incorrect|mistaken|erroneous|corrupt(?:ed)?)"
_FAULT = (
    r"(?:"
    r"made\s+(?:an?\s+|the\s+)?(?:mistake|error|typo|blunder|slip)"
    r"|broke(?!\s+(?:[\w-]+\s+){0,3}?(?:into|up\s+into)\b)"
    r"|botched|bungled|messed\s+up|screwed\s+up|fat-fingered|misconfigured|mistyped|"
    r"overlooked|neglected|forgot|missed|ignored|skipped|wiped|omitted|left\s+(?:out|off)"
    r"|never\s+(?:told|warned|informed|notified|checked|tested|renewed)"
    r"|failed\s+to|did\s*n[o']t\s+(?:test|check|notice|renew|follow)"
    r"|let\s+(?:[\w-]+\s+){1,6}?(?:expire|lapse|run\s+out)"
    r"|introduced\s+(?:an?\s+|the\s+)?(?:bug|error|fault|regression|mistake)"
    r"|(?:is|are|was|were)\s+(?:to\s+blame|at\s+fault|responsible\s+for\s+the)"
    r"|accidentally|mistakenly|wrongly|carelessly|inadvertently"
    r"|lost\s+(?:an?|the|some|part|one|\d+|our|your|track)\b|misplaced|severed|damaged"
    r"|(?:cut|dug|drilled)\s+(?:through|into)\s+(?:(?:an?|the|our|some|one\s+of\s+(?:our|the))"
    r"\s+)?(?:[\w-]+\s+)?(?:cables?|pipes?|lines?|fibres?|fibers?|mains?|ducts?|wires?)\b"
    r"|overrode|overwrote|unplugged"
    r"|mis(?:routed|labell?ed|handled|read|judged|sent|typed|keyed|set)"
    r"|left\s+(?:[\w-]+\s+){1,4}?(?:disabled|switched\s+off|turned\s+off|unpatched|"
    r"unlocked|unmonitored|exposed|expired|misconfigured)\b"
    r"|(?:[\w-]+ed|ran|sent|took|put|made|shipped|wrote|set|gave|built|left|brought)"
    r"(?:\s+(?:out|in|up))?\s+(?:(?:us|them|you|it|customers|with|on|against|using|into|to)\s+)?"
    r"(?:an?\s+|the\s+|some\s+)?"
    r"(?:[\w-]+\s+)?" + _BAD + r"\b"
    r")"
)
# Said anywhere after the agent and a verb in the same sentence: done by mistake, without
# telling or checking, leaving something out, or "…, which is what broke exports".
_ANYWHERE = (
    r"\b(?:by|in)\s+(?:mistake|accident|error)\b|\b(?:left\s+(?:out|off)|omitted)\b"
    r"|\b(?:never|did\s*n[o']t|without)\s+(?:(?:any|prior|advance)\s+)?(?:tell|told|warn|inform|"
    r"notif|notice|check|test|renew)\w*"
    r"|\bwhich\s+(?:is|was)\s+what\s+(?:broke|caused|took)\b|\bwithout\s+(?:any\s+|an?\s+|the\s+|"
    r"(?:proper|prior|a\s+proper)\s+)?(?:[\w-]+\s+)?(?:review|testing|tests|checking|checks|"
    r"approval|sign-?off|permission|authori[sz]ation|feature\s+flag|change\s+request|"
    r"rollback\s+plan|backup|snapshot|running\s+the\s+tests|lock|timeout|limit|safeguard|"
    r"(?:dry|trial|test)[\s-]run)\b|\binstead\s+of\b|\bwiped\b"
)
_FAULT_NOUN = r"(?:mistake|error|typo|blunder|negligence|oversight|slip|fault)"

AGENT_FAULT = re.compile(
    rf"\b(?P<who>{AGENT}){_WHERE}{_WHO}{_ADVERB}\s+(?P<what>{_FAULT})", re.IGNORECASE
)
NAME_FAULT = re.compile(
    rf"(?P<who>{_NAME}){_WHERE}{_WHO}{_ADVERB}\s+(?P<what>{_FAULT})", re.IGNORECASE
)
AGENT_VERB = re.compile(
    rf"\b(?P<who>{AGENT}|{_NAME}){_WHERE}{_WHO}{_ADVERB}\s+"
    r"(?P<what>[\w-]+ed|ran|sent|took|put|[\w-]{3,}ing)\b",
    re.IGNORECASE,
)
ANYWHERE = re.compile(_ANYWHERE, re.IGNORECASE)
# "a typo by one of our operators", "human error by Dave", "caused by our support team",
# "a bad change was pushed by a developer", "the platform team's mistake", "Casey's error".
BY_AGENT = re.compile(
    rf"\b(?:{_FAULT_NOUN}\s+(?:made\s+)?by|(?:caused|triggered|broken)\s+by|"
    r"(?:fault|responsibility|blame)\s+(?:for\s+(?:[\w-]+\s+){0,3}?)?(?:lies|rests|sits)\s+"
    r"(?:\w+\s+)?with)\s+"
    rf"(?P<who>{AGENT}|{_NAME}){_WHERE}",
    re.IGNORECASE,
)
BAD_THING_BY = re.compile(
    rf"\b{_BAD}\s+[\w-]+\s+(?:was|were)\s+[\w-]+(?:\s+out)?\s+by\s+(?P<who>{AGENT}|{_NAME})",
    re.IGNORECASE,
)
# Done by someone, and done wrong: "a migration that was run by the Identity team's on-call
# against the primary without a lock timeout".
PASSIVE_BY = re.compile(
    rf"\b(?:was|were|been|got)\s+(?:[\w-]+ed|run|done|made|sent|set|put|shipped|written|"
    rf"built|left|taken)\s+by\s+(?P<who>{AGENT}){_WHERE}(?P<rest>[^.;!?]*)",
    re.IGNORECASE,
)
POSSESSIVE = re.compile(
    rf"\b(?P<who>{AGENT}|{_NAME})['\u2019]s\s+(?:{_FAULT_NOUN}|(?:[\w-]+\s+)?(?:change|commit|"
    r"deploy(?:ment)?|config(?:uration)?|script)\s+(?:broke|caused|took))",
    re.IGNORECASE,
)
# An agent's act given as the cause: "because our card processor sent …", "after a
# subcontractor cut …", "the result of our IT team applying …". What people do to recover
# ("restored", "rolled back") and what merely befell them ("had problems") is not blame.
_CAUSE = (
    r"\b(?:because(?:\s+of)?|after|when|due\s+to|(?:the\s+)?result\s+of|resulted\s+from|"
    r"caused\s+by|triggered\s+by|following|(?:root\s+)?cause(?:\s+(?:was|is))?\s*:?)\s+"
)
_BENIGN = (
    r"(?:restor|recover|repair|fix|resolv|roll|revert|restart|identif|found|spott|notic|"
    r"confirm|investigat|contact|alert|report|escalat|need|want|work|help|had|experienc|"
    r"suffer|saw|see|complet|finish|monitor|respond|warn|ask|call|told|tell|flagg|approv|"
    r"agree|decid|receiv|review|check|test|coordinat|manag|support|open|clos|mov|follow)"
)
CAUSED = re.compile(
    rf"{_CAUSE}(?P<who>{AGENT}|{_NAME})(?P<at>{_WHERE}){_WHO}{_ADVERB}\s+"
    rf"(?!{_BENIGN})(?P<what>[\w-]+ed|[\w-]{{3,}}ing|cut|sent|ran|took|put|set|lost|hit|dug|"
    r"wrote|pushed|made|shut|turned|switched|pulled)\b",
    re.IGNORECASE,
)
_RECOVERED = re.compile(
    r"\b(?:recover\w*|restored|back|resolved|fixed|working\s+again|returned|normal)\b",
    re.IGNORECASE,
)
# A supplier's act is only blame when it damaged something or handed over something bad:
# "our bank deleted our account", not "our bank changed its systems".
_DAMAGE = re.compile(
    r"(?:delet|remov|cut|sever|damag|lost|los|disabl|switch|turn|shut|unplug|disconnect|overw|"
    r"overr|revok|cancel|block|wip|corrupt|mis|broke|break|dropp|trunc|purg|eras|skipp|forg)\w*"
    r"|[^.;]{0,40}?\b(?:" + _BAD + r"|late|without\s+(?:any\s+)?(?:notice|warning))\b",
    re.IGNORECASE,
)
_REMEDY = re.compile(
    r"\s+(?:(?:in\s+|out\s+|up\s+)?(?:an?|the|our)\s+)?(?:[\w-]+\s+)?(?:fix|patch|workaround|"
    r"remedy|repair)\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?;\n]+(?:[.!?;]+|$)|[^\n]+")


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
            if not role and re.match(r"\s+who\b", sentence[found.end("who") :]):
                continue  # "Students who missed the deadline": a kind of people, not a name
            # "human error by Dave …": point at the person, beside the phrase's own finding.
            start = found.start("who") if pattern in (BY_AGENT, BAD_THING_BY) else found.start()
            sure = role or pattern is BY_AGENT  # "an error by Dave": Dave is a person
            yield offset + start, offset + found.end(), sentence[start : found.end()], sure
    for found in PASSIVE_BY.finditer(sentence):
        if ANYWHERE.search(found.group("rest")) or re.search(rf"\b{_BAD}\b", found.group("rest")):
            start = found.start("who")
            yield offset + start, offset + found.end(), sentence[start : found.end()], True
    for found in CAUSED.finditer(sentence):
        who = found.group("who")
        role = re.fullmatch(AGENT, who, re.IGNORECASE) is not None
        if not role and not (found.group("at") and _is_name(who, False)):
            continue
        supplier_only = re.fullmatch(_SUPPLIER, who, re.IGNORECASE) and not re.fullmatch(
            rf"{_ROLE}|{_TEAM}", who, re.IGNORECASE
        )
        if supplier_only and not _DAMAGE.match(sentence, found.start("what")):
            continue
        if _RECOVERED.search(sentence, 0, found.start()) or _REMEDY.match(sentence, found.end()):
            continue
        if found.start() <= lead and _RECOVERED.search(sentence, found.end()):
            continue  # "After our engineers switched traffic over, payments recovered."
        start = found.start("who")
        yield offset + start, offset + found.end(), sentence[start : found.end()], True
    for found in AGENT_VERB.finditer(sentence):
        who = found.group("who")
        role = re.fullmatch(AGENT, who, re.IGNORECASE) is not None
        if not role and not _is_name(who, found.start("who") <= lead):
            continue
        if ANYWHERE.search(sentence, found.end("what")):
            yield offset + found.start(), offset + found.end(), found.group(0), role


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
# "Priya Natarajan, our head of operations, said …": a clause in commas before the verb.
_VERB_NEXT = re.compile(
    r"(?:\s*,[^,.;!?\n]{1,60},)?\s+(?:(?:has|had|is|was|then|also|just)\s+)?(?-i:[a-z])"
)
# A sentence or a coordinated clause opens here: "… and Priya Natarajan is reviewing …".
_OPENING = re.compile(
    r"(?:^|[.!?;\n])[\s*_\-\u2014]*$|\b(?:and|but|while|whereas|meanwhile)\s*,?\s+$"
)


_NEXT_CAPITAL = re.compile(r"\s+(?-i:[A-Z][a-z])")


def _credited(text: str, start: int) -> bool:
    return _CREDIT.search(text, max(0, start - 40), start) is not None


def _opens_sentence(text: str, start: int) -> bool:
    return start == 0 or _OPENING.search(text, max(0, start - 12), start) is not None


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
        if m.group(0)[0].isupper() and (
            not _opens_sentence(text, m.start()) or _NEXT_CAPITAL.match(text, m.end())
        ):
            continue  # a name: "our Blame Game podcast"
        add(m.start(), m.end(), m.group(0), "phrase")
    if caused_by_team is not None:
        for m in caused_by_team.finditer(text):
            add(m.start(), m.end(), m.group(0), "team")
    spans = list(blame_spans(text))
    if person is not None:
        for m in person.finditer(text):
            if _credited(text, m.start()):
                continue
            # The subject of its sentence, the person is judged by what they did (the agent
            # rules): "Jordan Smith broke down the recovery into workstreams" is their work;
            # "Priya's script truncated …" still pins the fault on her.
            subject = _opens_sentence(text, m.start()) and _VERB_NEXT.match(text, m.end())
            # Named in brackets after their role: "DBA on call (Jordan Smith) is checking".
            if text[m.start() - 1 : m.start()] == "(" and text[m.end() : m.end() + 1] == ")":
                subject = _VERB_NEXT.match(text, m.end() + 1)
            if subject and not any(s == m.start() for s, *_ in spans):
                continue
            add(m.start(), m.end(), m.group(0), "person")
    for start, end, words in named_culprits(text):
        add(start, end, words, "maybe")
    for start, end, words, sure in spans:
        add(start, end, words, "agent" if sure else "maybe")
    return found
