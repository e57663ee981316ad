"""People as the agents of a fault: the blame check (``app.comms.checks``).

A named person, a role ("our on-call engineer", "a developer"), a team ("the payments
team") or a supplier ("our vendor", "our hosting provider") that made a mistake, broke,
botched, forgot, failed to, restarted the wrong thing or shipped a broken build is blame;
the same people doing their job ("our engineers deployed a fix", "the team is restoring
service") is not. Regular rules over sentences: the measured language models were too
slow per draft and missed as many names as they found (see bench/checks.py and README).
Who can be an agent is in ``app.comms.blame_agents`` and what makes an act a fault in
``app.comms.blame_words``; the passive and possessive rules ("was misconfigured by", "the
vendor's faulty update") are in ``app.comms.blame_passive``; an agent's act given as the
cause ("because our processor sent …") in ``app.comms.blame_cause``; a staff member named
in the text is judged in ``app.comms.blame_people``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.comms.blame_agents import (
    ADVERB,
    AGENT,
    NAME,
    NOT_A_NAME,
    ROLE,
    ROLE_NOUN,
    SUPPLIER,
    TEAM,
    WHERE,
    WHO,
    has_role,
    is_name,
    is_role,
)
from app.comms.blame_cause import caused_blame
from app.comms.blame_hedged import hedged_blame
from app.comms.blame_passive import (
    CAUSE_WORK,
    PASSIVE_BY,
    PASSIVE_FAULT,
    POSSESSIVE,
    REDUCED_BY,
    WIELDED,
    done_wrong,
    given_as_cause,
)
from app.comms.blame_people import ON_A_TEAM, known_people_blamed
from app.comms.blame_persons import someone_blamed, surely_someone
from app.comms.blame_words import (
    ANYWHERE,
    BAD,
    DETECT,
    DID,
    FAULT,
    FAULT_NOUN,
    FAULT_VERBS,
    NAMED_FAULT,
    PURPOSE,
    WORK,
)
from app.comms.phrases import BLAME

AGENT_FAULT = re.compile(
    rf"\b(?P<who>{AGENT}){WHERE}{WHO}{ADVERB}\s+(?P<what>{FAULT})", re.IGNORECASE
)
NAME_FAULT = re.compile(
    rf"(?P<who>{NAME}){WHERE}{WHO}{ADVERB}\s+(?P<what>{NAMED_FAULT})", re.IGNORECASE
)
# Finding, checking or telling is never the fault: "our engineers found the app isn't
# compatible with", "the developer who reviewed the change spotted that it hadn't been
# through testing".
AGENT_VERB = re.compile(
    rf"\b(?P<who>{AGENT}|{NAME}){WHERE}{WHO}{ADVERB}\s+(?!{DETECT}\b)"
    rf"(?P<what>{DID}|[\w-]{{3,}}ing)\b",
    re.IGNORECASE,
)
ANYWHERE_RE = re.compile(ANYWHERE, re.IGNORECASE)
# What happened to the thing before, said in a clause of its own: "engineers restored its
# DNS records, which had been deleted in error" (no agent of that error is named).
_ITS_OWN_PAST = re.compile(
    r"[,(]\s*(?:which|that)\s+(?:had\s+|has\s+|have\s+)?(?:been|was|were)\s+[\w-]+\b",
    re.IGNORECASE,
)
# A duty undone for a reason beyond the agent: "our courier didn't collect parcels because
# of the snow", "the crew didn't dig on safety grounds", "didn't restart it until …".
_UNDONE = re.compile(r"(?:did|had|not|never)\b|(?:did|had)n['\u2019]t", re.IGNORECASE)
_EXCUSED = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|as\s+a\s+result\s+of|until|"
    r"on\s+(?:\w+\s+)?(?:safety|medical|health|police)\s+(?:grounds|advice)|"
    r"for\s+(?:safety|security|health)\s+reasons)\b",
    re.IGNORECASE,
)
# "this one's on Rachel", "that's on the vendor": the fault is put on someone.
ON_THEM = re.compile(
    r"\b(?:this|that)(?:\s+one)?(?:['\u2019]s|\s+is|\s+was)\s+(?:all\s+|squarely\s+|entirely\s+|"
    rf"firmly\s+|totally\s+|fully\s+)?on\s+(?P<who>{AGENT}|{NAME})"
    r"(?=\s*(?:[.:;,!?)\n\u2014-]|$|\s+(?:and|but|not|again)\b))",
    re.IGNORECASE,
)
# Nobody on a team did their job: "nobody on the infrastructure team acted on the alerts".
NOBODY = re.compile(
    r"\b(?P<who>(?:nobody|no\s*-?\s*one)\s+(?:on|in|from|at)\s+"
    rf"(?:{TEAM}|{SUPPLIER}|{ROLE})"
    rf"|none\s+of\s+(?:our|the|their|its)\s+(?:[\w-]+\s+){{0,2}}?(?:{ROLE_NOUN}|staff|crew|team)"
    rf"|no\s+(?:[\w-]+\s+)?{ROLE_NOUN})"
    r"\s+(?:(?:had|has|ever|even|actually|then)\s+)*(?P<what>acted\s+on|checked|noticed|renewed|"
    r"responded|reviewed|followed|tested|picked\s+up|escalated|told|warned|informed|monitored|"
    r"read|updated|patched|answered|replied|looked\s+at|spotted|actioned|handled|heeded)\b",
    re.IGNORECASE,
)
_PROBLEM = r"(?:bug|error|fault|crash|regression|problem|issue|outage|failure|defect|incident)"
# "a typo by one of our operators", "human error by Dave", "caused by our support team",
# "an error on the part of our processor", "the fault lies with our payment gateway's
# engineers", "the crash was introduced by the mobile team's release". Not the mishap of
# an agent: "caused by our supplier's power cut" is no one's blame.
BY_AGENT = re.compile(
    rf"(?<!\bnot\s)(?<!\bnever\s)(?<!n['\u2019]t\s)\b(?:{FAULT_NOUN}\s+(?:(?:(?:was|were)\s+)?(?:made|committed)\s+)?(?:by|on\s+the\s+part\s+of)|"
    r"(?:caused|triggered|broken|let\s+down)\s+by|"
    rf"{_PROBLEM}\b[^.;!?\n]{{0,60}}?\b(?:was|were|been)\s+introduced\s+by|"
    r"(?:fault|responsibility|blame)\s+(?:for\s+(?:[\w-]+\s+){0,3}?)?(?:lies|rests|sits|lay)\s+"
    r"(?:\w+\s+)?with)\s+"
    rf"(?P<who>{AGENT}|{NAME}){WHERE}(?!['\u2019]s\s+(?!(?:[\w-]+\s+)?(?:{WORK}|{ROLE_NOUN}|"
    rf"{FAULT_NOUN}|team|staff|failure\s+to)s?\b))",
    re.IGNORECASE,
)
# An agent as the whole cause: "delays due to our courier partner.", "because of our
# vendor, which …"; not "due to our engineers working overnight".
BARE_CAUSE = re.compile(
    rf"\b(?:because\s+of|due\s+to|blamed\s+on)\s+(?P<who>{AGENT}){WHERE}"
    r"(?=\s*(?:[.;,!?\n]|$|\s+(?:who|which)\b))",
    re.IGNORECASE,
)
# The agent said what it did: "our supplier admitted that it had sent the wrong file".
OWN_WORDS = re.compile(
    rf"\b(?P<who>{AGENT}){WHERE}{WHO}{ADVERB}\s+(?:admitted|confirmed|said|says|told\s+us|"
    r"acknowledged|accepted|explained|has\s+admitted|has\s+confirmed)\s+(?:that\s+)?"
    rf"(?:it|they|he|she|its\s+staff|their\s+staff){ADVERB}\s+(?P<what>{FAULT})",
    re.IGNORECASE,
)
_SAID_IT = re.compile(
    r"\b(?:admitted|confirmed|said|says|told|acknowledged|accepted|explained)\s+(?:that\s+)?"
    r"(?:it|they|he|she|its|their)\b",
    re.IGNORECASE,
)
# "a botched upgrade by our cloud provider", "a faulty update from our vendor", "a bad
# change was pushed by a developer"; not "the broken cable was replaced by our engineers".
BAD_THING_BY = re.compile(
    rf"\b(?:{BAD}|botched|bungled|careless|sloppy|rushed)\s+(?:[\w-]+\s+){{1,2}}?"
    rf"(?:(?:was|were)\s+(?!(?:replaced|removed|found|spotted|fixed|repaired|identified|"
    r"reverted|rolled|pulled|withdrawn|isolated|corrected|reported|noticed|detected|caught)\b)"
    rf"[\w-]+(?:\s+out)?\s+by|{WORK}s?\s+from|by)\s+(?P<who>{AGENT}|{NAME})",
    re.IGNORECASE,
)
# A sentence; the full stop of an initial ("J. Whitfield") or inside a number ("4.12.1")
# does not end one.
SENTENCE = re.compile(r"(?:[^.!?;\n]|\.(?=\d)|(?<=\b[A-Z])\.(?=\s))+(?:[.!?;]+|$)|[^\n]+")
# A capitalised word alone that broke or forgot something ("Bob broke it", "Élodie forgot
# to renew"): probably a person, perhaps a product, so a warning.
NAMED_CULPRIT = re.compile(r"\b([^\W\d_]{3,})\s+" + FAULT_VERBS + r"\b", re.IGNORECASE)
_PURPOSE = re.compile(PURPOSE, re.IGNORECASE)
_NEXT_CAPITAL = re.compile(r"\s+(?-i:[A-Z][a-z])")
_OPENING = re.compile(r"(?:^|[.!?;\n])[\s*_\-\u2014]*$")
# "Dave on the Platform team took checkout offline": the team is where Dave is, not who acted.
_AFTER_PREPOSITION = re.compile(
    r"\b(?:on|in|from|at|of|with|into|onto|about|under|than)\s+$", re.IGNORECASE
)
# "a contractor who …" is someone; "staff who missed the training" is a kind of people.
_DETERMINED = re.compile(
    r"\b(?:an?|the|our|their|its|his|her|your|my|this|that|one|two|some)\b|['\u2019]s\b",
    re.IGNORECASE,
)


def named_culprits(text: str) -> Iterator[tuple[int, int, str]]:
    for match in NAMED_CULPRIT.finditer(text):
        word = match.group(1)
        if word[0].isupper() and word not in NOT_A_NAME:
            yield match.start(), match.end(), match.group(0)


def blame_spans(text: str) -> Iterator[tuple[int, int, str, bool]]:
    """(start, end, words, sure) for each person, role, team or supplier named as the agent
    of a fault; ``sure`` is false for a capitalised word that may be a product, unless it
    is placed on a team ("Bob from the payments team"): a product is on no team."""
    for match in SENTENCE.finditer(text):
        sentence, offset = match.group(0), match.start()
        for start, end, sure in _in_sentence(sentence):
            sure = sure or ON_A_TEAM.match(sentence, start, end) is not None
            yield offset + start, offset + end, sentence[start:end], sure


def _in_sentence(sentence: str) -> Iterator[tuple[int, int, bool]]:
    lead = len(sentence) - len(sentence.lstrip(" :*_-\u2014"))
    possessive = "'s" in sentence or "\u2019s" in sentence
    for pattern in (AGENT_FAULT, NAME_FAULT, BY_AGENT, BAD_THING_BY, POSSESSIVE, CAUSE_WORK):
        if pattern in (POSSESSIVE, CAUSE_WORK) and not possessive:
            continue  # the costly rules run only where their key words are
        for found in pattern.finditer(sentence):
            who = found.group("who")
            if pattern is AGENT_FAULT and _AFTER_PREPOSITION.search(sentence, 0, found.start()):
                continue
            if (
                pattern in (AGENT_FAULT, NAME_FAULT)
                and _UNDONE.match(found.group("what"))
                and _EXCUSED.search(sentence, found.end())
            ):
                continue
            role = is_role(who)
            if not role and not is_name(who, found.start("who") <= lead):
                continue
            if re.match(r"\s+who\b", sentence[found.end("who") :]) and not (
                role and _DETERMINED.search(who)
            ):
                continue  # "Staff who missed the training": a kind of people, not an agent
            # "human error by Dave …": point at the person, beside the phrase's own finding.
            start = (
                found.start("who")
                if pattern in (BY_AGENT, BAD_THING_BY, CAUSE_WORK)
                else found.start()
            )
            # "an error by Dave"; "Jordan, our incident lead, …" is a person.
            sure = role or pattern is BY_AGENT or has_role(sentence, found.end("who"))
            yield start, found.end(), sure
    for found in NOBODY.finditer(sentence):
        yield found.start(), found.end(), True
    for start, end in hedged_blame(sentence):
        yield start, end, True
    if _SAID_IT.search(sentence):
        for found in OWN_WORDS.finditer(sentence):
            yield found.start(), found.end(), True
    for found in ON_THEM.finditer(sentence):
        role = is_role(found.group("who"))
        if role or is_name(found.group("who"), False):
            yield found.start(), found.end(), True
    for found in BARE_CAUSE.finditer(sentence):
        yield found.start("who"), found.end("who"), True
    for found in PASSIVE_FAULT.finditer(sentence):
        role = is_role(found.group("who"))
        if (role or is_name(found.group("who"), False)) and not _PURPOSE.search(
            found.group("rest")
        ):
            yield found.start("who"), found.end("who"), role
    for pattern in (PASSIVE_BY, REDUCED_BY):
        for found in pattern.finditer(sentence):
            role = is_role(found.group("who"))
            if not role and not is_name(found.group("who"), False):
                continue
            if done_wrong(found) or (pattern is REDUCED_BY and given_as_cause(sentence, found)):
                yield found.start("who"), found.end(), role
    for found in WIELDED.finditer(sentence):
        if is_role(found.group("who")):
            yield found.start("who"), found.end(), True
    yield from caused_blame(sentence, lead)
    if not ANYWHERE_RE.search(sentence):
        return
    for found in AGENT_VERB.finditer(sentence):
        role = is_role(found.group("who"))
        if not role and not is_name(found.group("who"), found.start("who") <= lead):
            continue
        where = ANYWHERE_RE.search(sentence, found.end("what"))
        if where and not _ITS_OWN_PAST.search(sentence, found.end("what"), where.start()):
            yield found.start(), found.end(), role


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
        for start, end in known_people_blamed(text, person, [s for s, *_ in spans]):
            add(start, end, text[start:end], "person")
    for start, end in someone_blamed(text):
        add(start, end, text[start:end], "agent")
    for start, end, words in named_culprits(text):
        add(start, end, words, "agent" if surely_someone(text, start, end) else "maybe")
    for start, end, words, sure in spans:
        sure = sure or surely_someone(text, start, end)
        add(start, end, words, "agent" if sure else "maybe")
    return found
