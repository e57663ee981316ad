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
    # We (or I) as the one who guesses: "we think", "I reckon", "our guess is".
    r"(?:we|I)\s+(?:think|believe|suspect|guess|reckon|imagine|assume|presume)",
    r"(?:our|my)\s+(?:best\s+|current\s+|working\s+)?(?:guess|hunch|theory|assumption|"
    r"suspicion|impression)",
    # Odds: "chances are", "odds are", "in all likelihood", "it's possible that".
    r"(?:the\s+)?(?:chances|odds)\s+are",
    r"in\s+all\s+(?:likelihood|probability)",
    r"it(?:['\u2019]s|\s+is|\s+may\s+be|\s+could\s+be)\s+(?:quite\s+|very\s+|entirely\s+)?"
    r"(?:possible|conceivable|plausible|probable)",
    # The reader's own needs are not a guess: "if you're likely to need a prescription".
    r"(?<!you're\s)(?<!you\sare\s)(?<!you\u2019re\s)(?:un)?likely",
    # A hedged expectation of the outcome: "we expect that no data has been lost".
    r"we\s+(?:would\s+|do\s+)?(?:expect|anticipate)\s+that",
    r"probable",
    r"ought\s+to",
    # Early evidence read as a finding: "early signs point to", "indications suggest".
    r"(?:early|first|initial|preliminary)\s+(?:signs|indications|findings|evidence|data)",
    r"(?:signs|indications|everything|evidence)\s+(?:points?|suggests?|indicates?)\s+"
    r"(?:to|that|towards)",
    # Luck as part of the plan: "if all goes well", "all being well", "fingers crossed".
    r"if\s+(?:all|everything)\s+goes\s+(?:well|to\s+plan|smoothly|according\s+to\s+plan)",
    r"all\s+being\s+well",
    r"fingers\s+crossed",
    r"with\s+(?:any|a\s+bit\s+of|some)\s+luck",
    r"(?:must|may|might|could)\s+have\s+been\s+(?:caused|triggered|due|related|linked)",
    r"apparently",
    r"supposedly",
    # Said of the reader ("you've probably noticed"), a hedge is not about the cause.
    r"(?<!you've\s)(?<!you\u2019ve\s)(?<!you\s)(?<!you\shave\s)(?<!you'll\s)"
    r"(?:probably|possibly)(?!\s+(?:already\s+)?(?:noticed|seen|heard|know|knew|read))",
    r"maybe",
    r"perhaps",
    # A hedge about the cause or the fix; "you should be able to", "you might see" and
    # "payments may be retried" tell readers what to expect and are not speculation.
    r"should\s+be\s+(?:fixed|resolved|working|back|restored|ready|done|over|fine)",
    r"(?<!you\s)might(?!\s+(?:want|need|see|notice|have|experience|find|get)\b)",
    r"hopefully",
    r"it\s+seems",
    r"seem(?:s|ed)?\s+to",
    r"appear(?:s|ed)?\s+to\s+be",
    r"(?:it\s+)?looks\s+like",
    r"could\s+be",
    r"may\s+be\s+(?:linked|related|caused|due|connected|involved)",
    r"(?:our\s+)?best\s+guess",
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
    r"(?:has|have)\s+(?:now\s+|since\s+)?been\s+(?:fully\s+)?(?:resolved|fixed)",
    r"(?:is|are)\s+(?:now\s+)?(?:resolved|fixed)",
    # A "Resolved:" heading, or every reader served again.
    r"(?:(?<![\s\S])|(?<=[.!?\n*#]\s)|(?<=[.!?\n*#]))resolved(?=\s*:)",
    r"(?:working|running)\s+(?:normally\s+)?again\s+for\s+(?:all|every(?:one|body)?)\b",
    r"(?:fully|completely|entirely)\s+(?:resolved|restored|operational|recovered|fixed)",
    r"back\s+to\s+normal",
    # Everything working again: "back up and running", "everything is back online".
    r"(?:back\s+)?up\s+and\s+running(?:\s+again)?",
    r"(?:everything|all\s+(?:of\s+our\s+)?(?:services|systems))\s+(?:is|are)\s+(?:now\s+)?"
    r"(?:back|restored|(?:working|running)\s+(?:normally\s+)?again)",
    r"all\s+systems\s+(?:are\s+)?(?:operational|go)",
    r"incident\s+is\s+(?:over|closed)",
)
UNRESOLVED_WORDS = _phrases(
    r"we(?:'re|\s+are)\s+(?:still\s+)?investigating",
    r"we(?:'re|\s+are)\s+looking\s+into",
    r"still\s+(?:affected|failing|down|unavailable)",
)
# What an author writes in brackets for the text still to come: an instruction ("fill in",
# "insert quote here", "add ETA"), a blank ("TBC", "xx:xx") or the kind of thing missing
# ("name", "time", "link").
_TO_FILL = (
    r"(?:fill(?:\s+in|\s+out)?|insert|add|enter|paste|put|write|include|replace|update|confirm|"
    r"check|todo|tbd|tbc|tba)\b[^\]\n>]{0,60}"
    r"|[^\]\n>]{0,40}\b(?:here|tbc|tbd|tba|to\s+come|to\s+follow|pending)"
    r"|(?:the\s+|customer\s+|first\s+|company\s+|product\s+|spokesperson\s+)?"
    r"(?:name|date|time|eta|link|url|number|quote|details?|impact|cause|placeholder)s?"
    r"|customer[^\]\n>]*|[x#?_.\s:-]{2,}"
)
# A whole "{{ x }}" or "{% … %}" is one finding; "[ALL CAPS]" is case-sensitive so that a
# Markdown link ("[status page](…)") is not taken for a placeholder.
PLACEHOLDER = re.compile(
    r"\{\{[^{}\n]{0,80}\}\}|\{%[^\n]{0,80}?%\}|\{\{|\}\}|\{%|%\}"
    r"|\[(?:(?-i:[A-Z][A-Z _]{1,})|" + _TO_FILL + r")\](?!\()"
    # A bare marker in capitals: "Todo lists" is a product's word, not a note to fill in.
    r"|<(?:" + _TO_FILL + r")>|(?-i:\bTODO\b|\bTBD\b|\bTBC\b|\bXXX+\b)|\?\?\?",
    re.IGNORECASE,
)
# Words of the jargon list used plainly: "we deployed extra staff", "a cluster of stores".
PLAIN_USES = re.compile(
    r"\bdeploy(?:ed|ing|s)?\s+(?:extra|more|additional)\b|\bcluster\s+of\b", re.IGNORECASE
)
# A recovery of part of a service is not a claim that the incident is over: "most payments
# are back to normal", "for some customers", "… but some transfers are still slow".
# "not yet back to normal" denies a recovery.
NEGATED = re.compile(
    r"(?:\b(?:not|never|no\s+longer)|n['\u2019]t)\s+(?:(?:yet|quite|fully|all|entirely|"
    r"completely)\s+)*$",
    re.IGNORECASE,
)
PARTIAL_BEFORE = re.compile(
    r"\b(?:most|many|some|several|parts|majority|nearly|almost|mostly|largely|partly|"
    r"partially|half|few)\b[^.!?;:\n]*$",
    re.IGNORECASE,
)
PARTIAL_AFTER = re.compile(
    r"^[^.!?;\n]*?\b(?:for\s+(?:most|many|some)|in\s+(?:most|some)\s+\w+|except|"
    r"(?:but|though|although|while|whereas)\b[^.!?;\n]*\b(?:still|remains?|continues?|yet|"
    r"not\s+yet|slow|delayed|failing|affected))",
    re.IGNORECASE,
)
# "until this is fixed", "once we're sure the problem is resolved" promise a resolution;
# they do not claim one.
CONDITIONAL = re.compile(
    r"\b(?:until|once|when|after|as\s+soon\s+as|if)\s+(?:[\w'\u2019-]+\s+){0,6}$",
    re.IGNORECASE,
)
JARGON_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jargon.txt")


@lru_cache(maxsize=1)
def _jargon_terms() -> tuple[str, ...]:
    with open(JARGON_FILE, encoding="utf-8") as handle:
        return tuple(line.strip() for line in handle if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _common_terms() -> frozenset[str]:
    """Terms of the list written in lower case: words of the trade, not names."""
    return frozenset(t for t in _jargon_terms() if t == t.lower())


_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n]|^\W+)\W*$")
_NEXT_CAPITAL = re.compile(r"\s+(?-i:[A-Z][a-z])")


def used_as_name(text: str, start: int, end: int) -> bool:
    """Whether a jargon word of the trade is part of a name here: capitalised (not in
    capitals, like "DNS") inside a sentence, or before another capitalised word: "the Pods
    delivery lockers", "Node Street", "Cache Valley"."""
    words = text[start:end]
    if not words[0].isupper() or words.isupper() or words.lower() not in _common_terms():
        return False
    opens_sentence = _SENTENCE_END.search(text, max(0, start - 3), start) is not None
    return not opens_sentence or _NEXT_CAPITAL.match(text, end) is not None


@lru_cache(maxsize=1)
def jargon_pattern() -> re.Pattern:
    terms = list(_jargon_terms())
    terms.sort(key=len, reverse=True)
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in terms) + r")(?![\w-])", re.IGNORECASE
    )
