"""Who can be at fault, for the blame check (``app.comms.blame``): people by their role,
teams, other companies, capitalised names, and the words that may stand between an agent
and its act (where they work, who they are, "accidentally"). What makes their act a fault
is in ``app.comms.blame_words``.

Lists of regular expression sources, not compiled patterns, because the rules join them.
Machines are never agents here ("the deploy broke checkout"), nor is "we": a company
owning its own mistake is what a status page should say.
"""

from __future__ import annotations

import re

# "the", "our", "one of their", "a member of our", "the vendor's", "Acme's".
DET = (
    r"(?:(?:an?|the|our|their|its|his|her|your|my|this|that|these|those|another|whose|"
    r"(?:one|two|three|several|some|many|a\s+few|each|both)\s+of\s+(?:our|the|their|its|your|"
    r"these|those)|a\s+member\s+of\s+(?:our|the|their|its)|"
    r"(?:(?:the|our|their|its)\s+)?(?:[\w-]+\s+)?[\w-]+['\u2019]s)\s+)"
)
# A person by what they do. Not words that are also software ("controller", "scheduler",
# "driver" alone, "manager" of packages): a manager is one of a place or a shift.
ROLE_NOUN = (
    r"(?:engineer|developer|employee|operator|contractor|subcontractor|colleague|"
    r"admin(?:istrator)?|intern|trainee|apprentice|technician|programmer|sysadmin|dba|sre|"
    r"staff\s+member|team\s+member|member\s+of\s+staff|staff|personnel|(?:ground|road|site|field|rail|dock)?-?worker|workm[ae]n|"
    r"director|officer|clerk|analyst|architect|specialist|electrician|plumber|fitter|"
    r"installer|builder|labourer|surveyor|inspector|auditor|accountant|bookkeeper|cashier|"
    r"teller|nurse|doctor|pharmacist|receptionist|porter|guard|steward|attendant|cleaner|"
    r"handler|loader|teacher|(?:teaching|lab|research|admin|shop|sales)\s+assistant|"
    r"moderator|volunteer|agent|representative|consultant|freelancer|tester|reviewer|"
    r"approver|on-call(?:\s+engineer)?|"
    # A driver of a vehicle, or someone's driver; not a device's.
    r"(?:(?:delivery|van|lorry|truck|bus|courier|digger|taxi|train|tram|coach|forklift|tanker)\s+"
    r"|(?<=['\u2019]s\s)|(?<=our\s)|(?<=its\s)|(?<=their\s))driver|dev|folk|guy|owner|"
    r"(?:support|team|tech|incident|release|shift|engineering|product|store|shop|depot|"
    r"warehouse|site|duty|account|project|operations|ops|office|branch|line|general|area|"
    r"regional|delivery|it|programme|program|floor|night|plant|factory|hub|yard|community|"
    r"social\s+media|customer|case|ward|practice|venue|contact\s+centre|call\s+centre)\s+"
    r"(?:lead|manager|supervisor|coordinator))s?"
)
ROLE = DET + r"?(?:[\w-]+\s+){0,2}?" + ROLE_NOUN + r"|someone|somebody|whoever|anyone\s+who"
# A group of people inside a company: "the payments team", "our IT department".
_GROUP_NOUN = (
    r"(?:team|department|dept|division|unit|squad|crew|desk|group|office|shift|bureau|management)"
)
TEAM = (
    DET + r"(?:[\w-]+\s+){0,2}?" + _GROUP_NOUN + r"s?"
    r"|(?-i:[A-Z][\w-]+)\s+(?:team|department|squad|crew|desk|ops|operations|support|staff|"
    r"eng|engineering|infra)s?"
    # Without a determiner, as teams call each other: "finance ops", "billing team".
    r"|(?<![\w'\u2019-])(?-i:[a-z][a-z-]{2,})\s+(?:ops|team|squad|crew|desk)"
)
# Another company: "our card processor", "the outside company", "a third-party carrier".
_COMPANY_NOUN = (
    r"(?:vendor|provider|supplier|partner|processor|gateway|bank|"
    r"carrier|courier|haulier|shipper|forwarder|host|third[\s-]party|registrar|isp|telco|"
    r"landlord|subcontractor|consultant|consultancy|agency|contractor|outsourcer|firm|"
    r"company|business|organi[sz]ation|bureau|board|authority|regulator|council|insurer|"
    r"airline|operator|hospital|school|university|college|laboratory|reseller|distributor|"
    r"wholesaler|manufacturer|integrator|broker|caterer|aggregator)s?"
)
SUPPLIER = (
    DET
    + r"(?:[\w-]+\s+){0,2}?"
    + _COMPANY_NOUN
    # Without a determiner, as shift notes open: "Catering supplier didn't load the meals".
    + r"|(?-i:[A-Z][\w-]+)\s+(?:[\w-]+\s+)?(?:supplier|vendor|contractor|subcontractor|"
    r"courier|caterer|provider|partner|haulier|carrier)s?"
)
AGENT = rf"(?:{ROLE}|{TEAM}|{SUPPLIER})"
# Capitalised words that open sentences and are not names.
NOT_A_NAME = frozenset(
    "The This That These Those They It Its We Our He She Everyone Someone Somebody "  # noqa: SIM905
    "Something Nobody Nothing Everything Who What Which "
    "Yesterday Today Earlier Later Since After Before When While Thanks Sorry Good Next "
    "Some Many Most All Any Every Each Your Their An A If Once Until Probably Maybe "
    "Perhaps Possibly Update Root Cause Monday Tuesday Wednesday Thursday Friday Saturday "
    "Sunday January February March July September October November December".split()
)
# A capitalised word or two, not one of those: "After Marco ran …" names Marco.
NAME = (
    r"(?-i:(?!(?:" + "|".join(sorted(NOT_A_NAME, key=len, reverse=True)) + r")\b)"
    r"[A-Z][^\W\d_]{2,}(?:\s+[A-Z][^\W\d_]{2,})?)"
)
# Where the agent is, or what they were doing: "on the payments team", "from Identity",
# "at our login provider", "working on the pavement", "hired by the council".
WHERE = (
    r"(?:\s+(?:on|from|in|at)\s+(?:the\s+|our\s+|(?:one|some|each)\s+of\s+(?:our|the)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:[\w-]+\s+(?:team|squad|department|group|unit|"
    r"division|desk|crew|office)\b|[\w-]+)"
    r"|\s+(?:working|doing|carrying\s+out|hired|employed|contracted|engaged|brought\s+in|"
    r"based|responsible)(?:\s+(?:on|for|by|at|in|with|to)\s+(?:(?:one|some|each)\s+of\s+)?"
    r"(?:the\s+|our\s+|an?\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}?[\w-]+)?)?"
)
# ", who", ", which", the agent's own name in commas ("our supplier, TxtLine, let …"), who
# they are ("Mark Davies, a systems administrator at our processor, …", "Sam (on-call)"), or
# what the agent does in a relative clause ("the company that prints our statements").
_CLAUSE_BREAK = r"(?:after|before|because|when|while|since|until|if|so|then|but|once|as)\b"
_INITIALS = r"(?-i:(?:[A-Z]\.\s*)+[A-Z][^\W\d_]{2,})"
ROLE_ASIDE = (
    r"(?:(?:an?|the|our|their|its|one\s+of\s+(?:our|the|their|its))\s+)?(?:[\w-]+\s+){0,3}?"
    rf"(?:{ROLE_NOUN}|{_GROUP_NOUN})(?:\s+(?:at|from|with|for|in|on|of)\s+"
    r"(?:[\w&'\u2019-]+\s+){0,3}?[\w&'\u2019-]+)?"
)
WHO = (
    r"(?:\s*,\s*(?:"
    + NAME
    + "|"
    + _INITIALS
    + r")\s*,|\s*\(\s*(?:"
    + NAME
    + "|"
    + _INITIALS
    + r")\s*\)|\s*,\s*"
    + ROLE_ASIDE
    + r"\s*,|\s*\(\s*"
    + ROLE_ASIDE
    + r"\s*\)|\s+"
    + _INITIALS
    # "our supplier's technician, who arrived at 09:00, fitted the wrong board".
    + r"|\s*,\s*(?:who|which)\s+[^,.;!?\n]{1,60}?,"
    r"|\s*,?\s+(?:who|which)"
    r"|\s+(?:that|who)(?:\s+(?!" + _CLAUSE_BREAK + r")[\w'\u2019-]+){0,6}?)?"
)
ADVERB = (
    r"(?:\s+(?:accidentally|mistakenly|wrongly|carelessly|inadvertently|unknowingly|then|also|"
    r"had|has|just|again|apparently|reportedly|allegedly|somehow|previously|"
    r"probably|possibly|(?:may|might|must)\s+have|seems\s+to\s+have))*"
)
# Capitalised words that open a sentence about a system, not a person.
_COMMON_STARTS = frozenset(
    "Payments Checkout Sign Signing Login Search Exports Invoices Deliveries Customers "  # noqa: SIM905
    "Orders Emails Uploads Traffic Something Nothing Everything Engineers Operators".split()
)
_ROLE_AFTER = re.compile(rf"\s*[,(]\s*{ROLE_ASIDE}\s*[,)]", re.IGNORECASE)


def is_role(words: str) -> bool:
    """Whether ``words`` are a role, a team or a company ("our on-call engineer")."""
    return re.fullmatch(AGENT, words, re.IGNORECASE) is not None


def is_name(words: str, sentence_start: bool) -> bool:
    """Whether capitalised ``words`` may name a person: not a word that opens sentences,
    nor, first in a sentence, a word that names a system ("Payments")."""
    first = words.split()[0]
    if first in NOT_A_NAME or not first[0].isupper():
        return False
    return not sentence_start or len(words.split()) == 2 or first not in _COMMON_STARTS


def has_role(sentence: str, end: int) -> bool:
    """Whether the name ending at ``end`` is followed by who they are: ", our incident lead,"."""
    return _ROLE_AFTER.match(sentence, end) is not None
