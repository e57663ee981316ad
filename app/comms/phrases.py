"""The words and phrases the draft checks look for (``app.comms.checks``): blame, a
named culprit, speculation, acknowledgement, apology, resolved or unresolved wording,
placeholders left in, and the jargon list for plain audiences."""

from __future__ import annotations

import os
import re
from functools import lru_cache


def _phrases(*words: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


PERSON = (
    r"(?:an?\s+|the\s+|one\s+of\s+our\s+|our\s+)?(?:on-call\s+)?"
    r"(?:engineer|developer|employee|operator|contractor|colleague|admin(?:istrator)?|"
    r"intern|somebody|someone|staff\s+member|team\s+member)s?"
)
TEAM = r"(?:\s+(?:on|from|in)\s+(?:the\s+|our\s+)?(?:[\w-]+\s+){0,3}?team)?"
CARELESSLY = r"(?:accidentally|mistakenly|wrongly|carelessly|inadvertently)"
FAULT_VERBS = r"(?:broke|forgot|misconfigured|messed\s+up|screwed\s+up|fat-fingered)"
BLAME = _phrases(
    r"human error",
    r"(?:the\s+)?fault\s+of",
    r"(?:his|her|their)\s+fault",
    r"to\s+blame",
    r"blame[sd]?",
    r"negligen(?:ce|t)",
    r"mistake\s+(?:by|of)",
    r"careless(?:ness|ly)?",
    r"(?:caused|broken|triggered)\s+by\s+(?:an?\s+|the\s+|one\s+of\s+our\s+)?"
    r"(?:engineer|developer|employee|operator|contractor|colleague|admin(?:istrator)?|"
    r"intern|somebody|someone|staff\s+member|team\s+member)s?",
    # A person as the subject of what went wrong: "an engineer on the payments team made
    # a bad change", "someone accidentally deleted …", "a developer's change broke …".
    # What people do right ("an engineer deployed a fix") is not blame.
    PERSON + TEAM + r"\s+(?:" + CARELESSLY + r"\s+)?" + FAULT_VERBS,
    PERSON + TEAM + r"\s+" + CARELESSLY + r"\s+\w+",
    PERSON + TEAM + r"\s+(?:made|pushed|deployed|ran|applied|shipped|merged|introduced)\s+"
    r"(?:an?\s+|the\s+)?(?:bad|wrong|faulty|broken|incorrect|untested|mistaken|erroneous)",
    PERSON + TEAM + r"\s+made\s+(?:an?\s+)?(?:mistake|error|blunder)",
    PERSON + r"'s\s+(?:change|mistake|error|deploy(?:ment)?|commit|config(?:uration)?)",
)
# A capitalised word that broke or forgot something ("Bob broke it", "Élodie forgot to
# renew"): probably a person, perhaps a product, so a warning (see named_culprits).
NAMED_CULPRIT = re.compile(r"\b([^\W\d_]{3,})\s+" + FAULT_VERBS + r"\b", re.IGNORECASE)
NOT_NAMES = frozenset(
    "The This That These Those They It Its We Our He She Everyone Someone Somebody "  # noqa: SIM905
    "Something Nobody Nothing Everything Who What Which".split()
)


def named_culprits(text: str):
    for match in NAMED_CULPRIT.finditer(text):
        word = match.group(1)
        if word[0].isupper() and word not in NOT_NAMES:
            yield match.start(), match.end(), match.group(0)


SPECULATION = _phrases(
    r"we\s+think",
    r"we\s+believe",
    r"we\s+suspect",
    r"we\s+guess",
    r"probably",
    r"maybe",
    r"perhaps",
    r"possibly",
    r"should\s+be",
    r"might",
    r"hopefully",
    r"it\s+seems",
)
ACKNOWLEDGE = _phrases(
    r"we(?:'re|\s+are)\s+aware",
    r"we(?:'re|\s+are)\s+investigating",
    r"we(?:'re|\s+are)\s+looking\s+into",
    r"we\s+know",
    r"we(?:'ve|\s+have)\s+(?:seen|noticed)",
    r"we\s+(?:can\s+)?confirm",
    r"(?:you|customers)\s+(?:may\s+)?(?:have\s+)?"
    r"(?:seen|noticed|experienced|been\s+unable)",
    r"affected",
)
APOLOGY = _phrases(r"sorry", r"apologi[sz]e", r"apologies", r"regret")
RESOLVED_WORDS = _phrases(
    r"(?:has|have)\s+been\s+(?:resolved|fixed)",
    r"(?:is|are)\s+(?:now\s+)?(?:resolved|fixed)",
    r"fully\s+(?:resolved|restored|operational)",
    r"back\s+to\s+normal",
    r"all\s+systems\s+(?:are\s+)?operational",
    r"incident\s+is\s+(?:over|closed)",
)
UNRESOLVED_WORDS = _phrases(
    r"we(?:'re|\s+are)\s+(?:still\s+)?investigating",
    r"we(?:'re|\s+are)\s+looking\s+into",
    r"still\s+(?:affected|failing|down|unavailable)",
)
# A whole "{{ x }}" or "{% … %}" is one finding; "[ALL CAPS]" is case-sensitive so that a
# Markdown link ("[status page](…)") is not taken for a placeholder.
PLACEHOLDER = re.compile(
    r"\{\{[^{}\n]{0,80}\}\}|\{%[^\n]{0,80}?%\}|\{\{|\}\}|\{%|%\}"
    r"|\[(?:(?-i:[A-Z][A-Z _]{1,})|TODO|TBD|insert[^\]]*|name|customer[^\]]*)\](?!\()"
    r"|<insert[^>]*>|\bTODO\b|\bTBD\b|\bXXX+\b|\?\?\?",
    re.IGNORECASE,
)
JARGON_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jargon.txt")


@lru_cache(maxsize=1)
def jargon_pattern() -> re.Pattern:
    with open(JARGON_FILE, encoding="utf-8") as handle:
        terms = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    terms.sort(key=len, reverse=True)
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in terms) + r")(?![\w-])", re.IGNORECASE
    )
