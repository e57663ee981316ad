"""The words and phrases the draft checks look for (``app.comms.checks``): fixed phrases
of blame (the agents of a fault are in ``app.comms.blame``), speculation,
acknowledgement, apology, resolved or unresolved wording, placeholders left in, and the
jargon list for plain audiences."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from app.comms.blame_agents import ROLE_NOUN


def _phrases(*words: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


# A role as an agent (app.comms.blame_agents): "caused by an engineer", "a developer's change".
_SOMEONE = rf"(?:an?\s+|the\s+|one\s+of\s+our\s+|our\s+)?(?:{ROLE_NOUN}|somebody|someone)"
BLAME = _phrases(
    r"human error",
    # "the fault of our processor", not "a mistake of ours": we own our mistakes.
    r"(?:the\s+)?fault\s+of(?!\s+(?:us|ours|our\s+own|mine|me)\b)",
    r"(?:his|her|their)\s+fault",
    # "is to blame" is judged by who is (app.comms.blame): a failed link is no one's blame.
    r"(?<!to\s)blame[sd]?",
    r"negligen(?:ce|t)",
    r"mistake\s+(?:by|of)(?!\s+(?:us|ours|our\s+own|mine|me)\b)",
    r"careless(?:ness|ly)?",
    r"(?<!\bnot\s)(?<!\bnever\s)(?<!n't\s)(?:caused|broken|triggered)\s+by\s+" + _SOMEONE,
    _SOMEONE + r"['\u2019]s\s+(?:change|mistake|error|deploy(?:ment)?|commit|config(?:uration)?)",
)
# A hedge about the cause or the fix. What readers should expect or do ("you may need to
# sign in again", "calls may drop", "passengers should allow extra time") and a forecast
# pinned to a time ("expected to be restored by 16:00") are not speculation.
_CAUSED = (
    r"caused|triggered|due|related|linked|connected|involved|behind|responsible|tied|"
    r"associated|down\s+to|because|(?:the|a)\s+(?:result|cause|reason|source|culprit|sign|"
    r"symptom)\s+of"
)
_BACK = (
    r"fixed|resolved|working|back|restored|ready|done|over|fine|sorted|up|running|live|"
    r"available|online|operational|normal|stable|cleared|complete|finished|resumed|recovered|"
    r"repaired"
)
# A forecast pinned to a clock time is a plan: "should be back by 16:00 UTC".
_UNTIMED = (
    r"(?![^.;!?\n]*\b(?:(?:by|at|before|until|around|from)\s+(?:\d|noon|midday|midnight)|"
    r"later\s+today|(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|to)?day|"
    r"(?:later\s+|by\s+)?(?:this\s+(?:morning|afternoon|evening)|tonight|tomorrow)|"
    r"(?:with)?in\s+(?:the\s+next\s+)?(?:\d|an?\s+hour|the\s+hour|half\s+an\s+hour)))"
)
SPECULATION = _phrases(
    # We (or I) as the one who guesses: "we think", "I reckon", "we're guessing".
    r"(?:we|I)(?:['\u2019]re|\s+are|['\u2019]m|\s+am)?\s+(?:currently\s+|still\s+|now\s+|"
    r"strongly\s+|do\s+|also\s+)?(?:think|believe|suspect|guess|reckon|imagine|assume|presume|"
    r"thinking|believing|suspecting|guessing|assuming|presuming)(?!\s+in\b)",
    # Others' beliefs about the cause: "engineers think a lightning strike …".
    r"(?<!you\s)(?<!if\s)(?:thinks?|believes?|suspects?)\s+(?:that\s+)?(?:the|a|an|this|it|its|"
    r"our|some|there)",
    r"(?:the|a|one|our)\s+(?:working\s+|main\s+|leading\s+)?(?:theory|hypothesis|assumption)\s+"
    r"(?:is|that)",
    r"(?:from\s+what|as\s+far\s+as)\s+we\s+(?:can\s+)?(?:tell|see|know)",
    r"there(?:['\u2019]s|\s+is)\s+(?:a\s+|some\s+|every\s+)?(?:(?:good|small|slight|high|"
    r"strong|real)\s+)?chance",
    r"(?:our|my)\s+(?:best\s+|current\s+|working\s+|initial\s+|leading\s+|first\s+)?"
    r"(?:guess|hunch|theory|assumption|suspicion|impression|hypothesis)",
    # Said of the cause by nobody in particular: "the fault is thought to be …".
    r"(?:is|are|was|were)\s+(?:now\s+|currently\s+)?(?:thought|believed|suspected|understood|"
    r"presumed|assumed|rumou?red)\s+to\s+(?:be|have)",
    r"it(?:['\u2019]s|\s+is)\s+(?:thought|believed|suspected|understood)",
    r"reason\s+to\s+(?:believe|think|suspect)",
    r"(?:we|I)\s+(?:do\s*n['\u2019]?t|do\s+not)\s+(?:think|believe)",
    # "we can't rule out", "could not be ruled out".
    r"(?:not|cannot|\w*n['\u2019]t)\s+(?:yet\s+)?(?:be\s+|been\s+)?rul(?:e|ed)\s+(?:it\s+|this\s+|that\s+)?out",
    # Odds: "chances are", "odds are", "in all likelihood", "it's possible that".
    r"(?:the\s+)?(?:chances|odds)\s+are",
    r"in\s+all\s+(?:likelihood|probability)",
    r"it(?:['\u2019]s|\s+is|\s+may\s+be|\s+could\s+be)\s+(?:quite\s+|very\s+|entirely\s+)?"
    r"(?:possible|conceivable|plausible|probable)",
    # The reader's own needs are not a guess: "if you're likely to need a prescription".
    r"(?<!you're\s)(?<!you\sare\s)(?<!you\u2019re\s)(?<!you'll\s)(?<!you\u2019ll\s)"
    r"(?<!you\swill\s)(?:un)?likely",
    # A hedged expectation of the outcome: "we expect that no data has been lost".
    r"we\s+(?:would\s+|do\s+)?(?:expect|anticipate)\s+that",
    # A recovery forecast with no time to hold it to: "service is expected to be back soon".
    r"(?:is|are)\s+expected\s+to\s+(?:be\s+)?(?:" + _BACK + r"|recover|return|resume|clear|"
    r"improve)" + _UNTIMED,
    r"probable",
    r"ought\s+to",
    # Early evidence read as a finding: "early signs point to", "initial checks suggest".
    r"(?:early|first|initial|preliminary)\s+(?:signs|indications|findings|evidence|data|checks|"
    r"tests|results|investigations?|analysis|assessments?|reports?|diagnosis|look)",
    r"(?:signs|indications|everything|evidence)\s+(?:points?|suggests?|indicates?)\s+"
    r"(?:to|that|towards)",
    r"(?:which|this|that)\s+suggests",
    # Luck as part of the plan: "if all goes well", "all being well", "fingers crossed".
    r"if\s+(?:all|everything)\s+goes\s+(?:well|to\s+plan|smoothly|according\s+to\s+plan)",
    r"all\s+being\s+well",
    r"fingers\s+crossed",
    r"touch\s+wood",
    r"with\s+(?:any\s+|a\s+bit\s+of\s+|some\s+)?luck",
    r"(?:we|I)(?:['\u2019]re|\s+are|['\u2019]m|\s+am)?\s+(?:hope|hoping)\s+(?:to|that|it|this)",
    r"(?:must|may|might|could)\s+(?:well\s+|also\s+)?have\s+(?:been\s+)?(?:"
    + _CAUSED
    + r"|started|come\s+from|originated|stemmed|led\s+to|contributed|damaged|broken)",
    r"there\s+(?:may|might|could)\s+be\s+(?:a\s+)?(?:link|connection)",
    r"apparently",
    r"supposedly",
    r"seemingly",
    # Said of the reader ("you've probably noticed"), a hedge is not about the cause.
    r"(?<!you've\s)(?<!you\u2019ve\s)(?<!you\s)(?<!you\shave\s)(?<!you'll\s)"
    r"(?:probably|possibly)(?!\s+(?:already\s+)?(?:noticed|seen|heard|know|knew|read)\b)",
    r"maybe",
    r"perhaps",
    # A hedge about the cause or the fix; "you should be able to", "you might see" and
    # "payments may be retried" tell readers what to expect and are not speculation.
    r"should\s+(?:be\s+(?:" + _BACK + r")|resume|recover|clear|return|improve|settle|"
    r"stabili[sz]e|come\s+back|start\s+working|work\s+again)" + _UNTIMED,
    r"(?<!you\s)might(?!\s+(?:want|need|see|notice|have|experience|find|get)\b)",
    r"hopefully",
    r"it\s+(?:would\s+)?seems?",
    r"seem(?:s|ed)?\s+to",
    r"(?:it|this|there)\s+(?:would\s+)?appears?",
    r"would\s+(?:appear|seem)",
    r"appear(?:s|ed)?\s+to\s+(?:be|have)",
    r"(?:it\s+)?looks\s+(?:like|as\s+(?:if|though)|to\s+be)",
    r"could\s+(?:well\s+|also\s+)?(?:be|stem|come\s+from|result|originate|relate|explain|"
    r"point\s+to|mean|indicate)",
    r"may\s+(?:well\s+|also\s+)?be\s+(?:" + _CAUSED + ")",
    r"(?:our\s+)?best\s+guess",
    r"presumably",
    r"conceivably",
    # Confidence short of certainty, said by anyone: "we're fairly sure", "the publisher
    # said it is 'fairly confident'".
    r"(?<!you\scan\sbe\s)(?:fairly|pretty|quite|reasonably|almost|nearly|largely|moderately|"
    r"relatively|increasingly|mostly)\s+(?:sure|confident|certain|convinced)",
    # A claim marked as unchecked: "…, though this has not been confirmed".
    r"(?:though|although|but)\s+(?:this|that|it)\s+(?:has|is|was)\s*(?:n['\u2019]t|\s+not)\s+"
    r"(?:yet\s+)?(?:been\s+)?(?:confirmed|verified)",
    r"(?:is|are|remains?)\s+(?:as\s+yet\s+|still\s+)?unconfirmed",
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
# Said while investigating, a cause already known contradicts the phase: "we've found the
# cause", "the root cause has been identified", "we know what caused it". Not "we have
# identified an issue" (a problem noticed), nor a cause still sought ("once we find the
# cause", "we haven't found the cause": CONDITIONAL and NEGATED before the words).
_FOUND = (
    r"found|identified|pinpointed|located|determined|established|isolated|traced|"
    r"tracked\s+down|confirmed|know|understand|diagnosed"
)
_CAUSE_NOUN = (
    r"(?:(?:root|underlying|likely|probable)\s+)?(?:cause|source|origin|culprit)s?"
    r"|reason\s+(?:for|behind|why)"
)
CAUSE_KNOWN = _phrases(
    rf"(?:{_FOUND})\s+(?:the|its|a|what\s+(?:is\s+)?(?:the\s+)?)\s*(?:{_CAUSE_NOUN})",
    rf"(?:the\s+)?(?:{_CAUSE_NOUN})\s+(?:of\s+(?:the|this)\s+[\w-]+\s+)?(?:has|have)\s+"
    r"(?:now\s+)?been\s+(?:found|identified|pinpointed|located|determined|established|"
    r"isolated|traced|confirmed|diagnosed)",
    r"(?:we|engineers|the\s+team)\s+(?:now\s+)?know\s+(?:what|why)\s+(?:caused|is\s+causing|"
    r"happened|broke)",
    r"(?:the\s+)?cause\s+is\s+(?:now\s+)?(?:known|clear)",
    # "We have found that a recent change stopped the payout files": a cause, said as found.
    r"(?:we|we['\u2019]ve|we\s+have|engineers\s+have|the\s+team\s+has)\s+(?:now\s+)?"
    r"(?:found|identified|established|confirmed|determined)\s+that"
    r"(?=[^.;!?\n]{0,160}?\b(?:caused|causing|stopped|broke|led\s+to|triggered|is\s+due\s+to|"
    r"was\s+due\s+to|because)\b)",
    r"(?:is|was|were|are)\s+caused\s+by",
)
# Work on the fault told as still going on ("We are undoing it now", "our engineers are
# rolling back the change"), or the fix as still to come ("will not receive it until this
# is fixed"): carried into a resolved text from an update before.
_FIXING = (
    r"(?:investigating|looking\s+into|undoing|reverting|rolling\s+back|restoring|fixing|"
    r"repairing|(?:deploying|applying|testing|preparing)\s+(?:an?\s+|the\s+)?fix|"
    r"working\s+(?:on\s+(?:an?\s+|the\s+)?(?:fix|resolution|it|this)\b|to\s+"
    r"(?:fix|restore|resolve|repair)))"
)
_WE_ARE = (
    r"(?:we(?:['\u2019]re|\s+are)|(?:our|the)\s+(?:[\w-]+\s+)?(?:engineers|team|teams|staff)"
    r"\s+(?:are|is))\s+(?:still\s+|now\s+|currently\s+|actively\s+)?"
)
_IT = r"(?:this|it|the\s+(?:issue|problem|outage|incident|fault|error|bug|disruption))"
_WORK_ON_IT = (
    r"(?:fix|rollback|roll-back|repair|recovery|restore|restoration|work|migration|deploy(?:ment)?)"
)
UNRESOLVED_WORDS = _phrases(
    _WE_ARE + _FIXING,
    # "A fix is in progress", "the rollback is under way".
    rf"{_WORK_ON_IT}\s+is\s+(?:still\s+|now\s+)?(?:in\s+progress|under\s*way|ongoing|continuing)",
    # "until the rollback is done", "once the fix is deployed".
    r"(?:until|till|once|as\s+soon\s+as)\s+(?:the|a|our)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:is|has\s+been|gets)\s+(?:done|complete|completed|finished|deployed|applied|live|cleared)",
    # "Payouts remain delayed".
    r"(?:remains?|stays?)\s+(?:delayed|unavailable|down|degraded|offline|disabled|paused|slow)",
    r"still\s+(?:affected|failing|down|unavailable)",
    rf"(?:until|till|once|as\s+soon\s+as)\s+{_IT}\s+(?:is|has\s+been|gets)\s+"
    r"(?:fixed|resolved|repaired|sorted)",
    r"until\s+(?:we|our\s+[\w-]+)\s+(?:fix|resolve|repair|restore)",
    r"until\s+(?:a|the)\s+fix\s+(?:is|goes|has)",
)
# An outage said in the present tense ("Merchants cannot use the API", "card payments
# fail"): in a resolved text, a fact carried over from an earlier update (app.comms.checks
# skips a sentence that marks it as past, a condition, a negation or a safeguard).
OUTAGE_NOW = _phrases(
    r"can(?:not|['\u2019]t)",
    r"(?:is|are)\s+(?:now\s+|currently\s+)?(?:failing|down|unavailable|unable\s+to)",
    r"(?:not|isn['\u2019]t|aren['\u2019]t)\s+working",
    r"fails?",
)
# What marks a sentence as told in the past: "payments were failing", "between 13:00 and
# 13:40", "for 40 minutes", "earlier today".
PAST_MARKER = _phrases(
    r"was|were|had|earlier|previously|between|until|during",
    r"for\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+|some\s+)?"
    r"(?:\d+|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|forty|fifty|sixty|"
    r"several|a\s+few)\s+(?:minutes?|mins?|hours?)",
)
# A safeguard for the future, not an outage now: "so that a change like this cannot reach
# production again", "to make sure payments never fail".
SAFEGUARD = _phrases(
    r"so\s+that",
    r"make\s+sure|ensur(?:es?|ing)",
    r"prevent(?:s|ing)?",
    r"safeguards?",
    r"guard\s+against",
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
# Words of the jargon list used plainly: "we deployed extra staff", "a cluster of stores",
# and putting in or taking out a change a lay reader understands: "we've rolled back the
# change", "our engineers deployed a fix", "a configuration change". Bare ("we are
# rolling back", "a bad deploy") or of a thing of the trade ("rolled back the
# deployment", "a faulty configuration") they stay jargon.
_PLAIN_THING = r"(?:change|fix|update|correction|repair|improvement|patch)(?:e?s)?\b"
PLAIN_USES = re.compile(
    r"\bdeploy(?:ed|ing|s)?\s+(?:extra|more|additional)\b|\bcluster\s+of\b"
    r"|\b(?:deploy(?:ed|ing|s)?|roll(?:ed|ing|s)?\s+back)\s+(?:(?:the|a|an|our|this|that|these|"
    r"those|its|their|today['\u2019]s|yesterday['\u2019]s)\s+)?(?:[\w-]+\s+){0,2}?"
    + _PLAIN_THING
    + r"|\bconfiguration\s+(?:"
    + _PLAIN_THING
    + r"|settings?\b|mistake\b|error\b)",
    re.IGNORECASE,
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
# "everything should be back to normal within the hour", "we expect it to be fully
# restored by 16:00" forecast one; "error rates are back to normal" reads a measure, not
# the service. None of them claims the incident is over.
CONDITIONAL = re.compile(
    r"\b(?:until|once|when|after|as\s+soon\s+as|if)\s+(?:[\w'\u2019-]+\s+){0,6}$"
    r"|\b(?:should|will|would|shall|could|may|might|must|(?:is|are)\s+(?:expected|likely|"
    r"going|due|set)\s+to|expects?\s+(?:it|them|this|service|everything|[\w-]+s)\s+to|"
    r"hope\s+to|aim\s+to|['\u2019]ll)\s+(?:(?:soon|shortly|all|then|now|not|also|hopefully|"
    r"likely|probably|quickly|gradually)\s+)*(?:be\s+|get\s+|come\s+|go\s+)?"
    r"(?:(?:fully|completely|entirely|back|all|soon|shortly)\s+)*$"
    r"|\b(?:rates?|declines|errors|latency|latencies|response\s+times|traffic|volumes?|"
    r"levels?|metrics|graphs|dashboards|signals|alerts|alarms|queues?|backlogs?|load|"
    r"numbers|counts?|timeouts|retries|failures)\s+(?:(?:is|are|have|has)\s+)?"
    r"(?:(?:now|all|mostly|largely)\s+)?(?:(?:come|gone|settled|dropped|fallen)\s+)?$",
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


_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def in_link(text: str, start: int) -> bool:
    """Whether ``start`` falls inside a web address (its "http" is not the reader's jargon)."""
    return any(m.start() <= start < m.end() for m in _LINK.finditer(text))


@lru_cache(maxsize=1)
def jargon_pattern() -> re.Pattern:
    terms = list(_jargon_terms())
    terms.sort(key=len, reverse=True)
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in terms) + r")(?![\w-])", re.IGNORECASE
    )
