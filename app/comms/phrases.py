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
# "broke the migration into batches" is work, not a fault.
FAULT_VERBS = (
    r"(?:broke(?!\s+(?:[\w-]+\s+){0,3}?into\b)|forgot|misconfigured|messed\s+up|screwed\s+up|"
    r"fat-fingered)"
)
BLAME = _phrases(
    r"human error",
    r"(?:the\s+)?fault\s+of",
    r"(?:his|her|their)\s+fault",
    # "is to blame" is judged by who is (app.comms.blame): a failed link is no one's blame.
    r"(?<!to\s)blame[sd]?",
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
    # A hedge about the cause or the fix; "you should be able to", "you might see" and
    # "payments may be retried" tell readers what to expect and are not speculation.
    r"should\s+be\s+(?:fixed|resolved|working|back|restored|ready|done|over|fine)",
    r"(?<!you\s)might(?!\s+(?:want|need|see|notice|have|experience|find|get)\b)",
    r"hopefully",
    r"it\s+seems",
    r"seem(?:s|ed)?\s+to",
    r"appear(?:s|ed)?\s+to\s+be",
    r"(?:it\s+)?looks\s+like",
    r"(?:most\s+|very\s+)?likely",
    r"could\s+be",
    r"may\s+be\s+(?:linked|related|caused|due|connected|involved)",
    r"(?:our\s+)?best\s+guess",
    r"we\s+assume",
    r"presumably",
    r"we(?:'re|\s+are)\s+(?:fairly|pretty|quite|reasonably)\s+(?:sure|confident|certain)",
)
ACKNOWLEDGE = _phrases(
    r"we(?:'re|\s+are)\s+aware",
    r"we(?:'re|\s+are)\s+(?:currently\s+|actively\s+|now\s+|still\s+)?(?:investigating|"
    r"looking\s+into|seeing|experiencing|working\s+on\s+(?:it|a\s+fix|this))",
    r"(?:our\s+)?team\s+is\s+(?:investigating|looking\s+into|on\s+it)",
    r"we(?:'ve|\s+have)\s+(?:received\s+reports|been\s+alerted|identified)",
    r"thank(?:s|\s+you)\s+for\s+(?:your\s+patience|bearing\s+with\s+us|your\s+understanding)",
    r"we\s+know",
    r"we(?:'ve|\s+have)\s+(?:seen|noticed)",
    r"we\s+(?:can\s+)?confirm",
    r"(?:you|customers)\s+(?:may\s+)?(?:have\s+)?"
    r"(?:seen|noticed|experienced|been\s+unable)",
    r"(?<!not\s)affected",
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
# Words of the jargon list used plainly: "we deployed extra staff", "a cluster of stores".
PLAIN_USES = re.compile(
    r"\bdeploy(?:ed|ing|s)?\s+(?:extra|more|additional)\b|\bcluster\s+of\b", re.IGNORECASE
)
# "until this is fixed" promises a resolution; it does not claim one.
CONDITIONAL = re.compile(
    r"\b(?:until|once|when|after|as\s+soon\s+as)\s+(?:[\w-]+\s+){0,3}$", re.IGNORECASE
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
