"""What makes an agent's act a fault, for the blame check: a wrong choice, a defective or
stale thing brought in, something destroyed, a duty left undone, a deed done by mistake or
without checks. Who can be the agent is in ``app.comms.blame_agents``; the rules that
combine them are in ``app.comms.blame``; the fixed phrases ("human error") in
``app.comms.phrases``.

They are lists of regular expression sources, not compiled patterns, because the rules
join them. Each list is a class of words ("a verb that destroys"), broad on purpose: a
rule written for the words of one text missed the next writer's words.
"""

from __future__ import annotations

CARELESSLY = (
    r"(?:accidentally|mistakenly|wrongly|incorrectly|carelessly|inadvertently|unknowingly|"
    r"unintentionally|unwittingly|erroneously|negligently|prematurely)"
)
# The short list a capitalised word alone may do ("Bob broke it"): app.comms.blame.
FAULT_VERBS = (
    r"(?:broke(?!\s+(?:[\w-]+\s+){0,3}?(?:into|up\s+into)\b)|forgot|misconfigured|"
    r"mis-?typed|messed\s+up|screwed\s+up|fat-fingered|botched|bungled)"
)
# A wrong choice is a mistake whatever the verb ("restarted the wrong server", "loaded
# the bags onto the wrong flight"), except finding or correcting one.
WRONG = r"(?:wrong|incorrect|mistaken|erroneous|inverted)"
# A defective thing is a fault when it was brought in ("pushed a faulty update"), not when
# it was taken out ("replaced the broken switch").
DEFECT = (
    r"(?:bad|faulty|broken|untested|unfinished|incomplete|unapproved|unreviewed|buggy|"
    r"corrupt(?:ed)?|outdated|out-of-date|expired|invalid|malformed|half-finished|duplicated?)"
)
BAD = rf"(?:{WRONG}|{DEFECT})"
# Verbs of finding, mending, telling or studying: "spotted the wrong setting".
DETECT = (
    r"(?:spotted|noticed|found|identified|detected|caught|flagged|reported|corrected|fixed|"
    r"repaired|investigated|traced|located|diagnosed|confirmed|checked|reviewed|tested|"
    r"highlighted|discovered|saw|raised|warned|told|explained|described|listed|apologi[sz]ed|"
    r"said|wrote|asked|answered|responded|replied|commented|examined|analy[sz]ed|"
    r"looked\s+(?:at|into|for)|searched|called\s+out|pointed\s+(?:out|to))"
)
# Verbs of taking out or putting back: "replaced the broken switch".
REMOVE = (
    r"(?:replaced|removed|reverted|rolled\s+back|undid|isolated|quarantined|disabled|pulled|"
    r"withdrew|deleted|purged|cleared|cleaned(?:\s+up)?|discarded|rejected|blocked|retired|"
    r"swapped(?:\s+out)?|returned|recalled|stopped|killed|dropped|binned|took\s+out|"
    r"switched\s+off|turned\s+off|shut\s+(?:down|off)|taken|rebuilt|restored|recovered|"
    r"disconnected|unplugged|powered\s+(?:down|off)|decommissioned|uninstalled|patched|"
    r"upgraded|renewed|rotated)"
)
# A verb in the past: what an agent did.
DID = r"(?:[\w-]+ed|ran|sent|took|put|made|shipped|wrote|set|gave|built|left|brought|" + (
    r"got|kept|led|chose|picked|fed|read|cut|hit|dug|drew|flew|drove|rode|won|paid|sold|"
    r"held|hung|laid|lit|meant|met|rang|rose|sang|sat|shot|shut|slid|spent|split|spread|"
    r"stole|struck|swept|threw|told|wore|wound|froze|broke|tore|blew|bent|bought|fitted|"
    r"forgot|lost)"
)
_OBJ_DET = r"(?:(?:the|an?|some|its|their|our|his|her|all|every|that|this)\s+)"
# What it was done to: the object ("pushed a faulty update", "sent us incomplete files").
_OBJECT = (
    r"(?:\s+(?:out|in|up|off|over|through|back))?\s+(?:(?:us|them|you|it|customers)\s+)?"
    + _OBJ_DET
    + r"?(?:[\w-]+\s+)?"
)
# Or a place or thing after a preposition ("loaded the bags onto the wrong flight", "sent
# letters with the wrong dates"); never a new clause ("bills issued this week show …").
_ON = (
    _OBJECT + r"(?:(?:[\w'\u2019-]+\s+){0,2}?(?:to|onto|into|on|at|in|for|from|with|against|of|"
    r"under|over|across)\s+" + _OBJ_DET + r"?(?:[\w-]+\s+)?)?"
)
_ACT_WRONG = rf"(?!{DETECT}\b){DID}{_ON}{WRONG}\b"
# An old thing put in place of the current one: "uploaded last month's rate card", "sent
# an outdated price list"; not putting back what worked ("restored the old version").
_STALE = (
    r"(?:last\s+(?:year|month|week|night|quarter|season)['\u2019]s|(?:an?|the)\s+"
    r"(?:old|outdated|out-of-date|superseded|obsolete|stale|expired|withdrawn)\s+"
    r"(?!(?:one|ones|version|versions|build|release|settings?|config(?:uration)?)\b))"
)
# Destroying what people rely on, unless it is the remedy or the plan: "cut the line to our
# office", not "cut power so repairs could start" nor "deleted the duplicate payments".
REMEDY_OBJECT = (
    r"(?:the\s+|an?\s+|some\s+|all\s+|any\s+|those\s+|these\s+)?(?:[\w-]+\s+)?"
    rf"(?:{DEFECT}|duplicate|stale|spam|malicious|infected|rogue|stuck|failed|failing|"
    r"leaking|damaged|dangerous|affected|extra|temporary|test|old|unused|attack)\b"
)
PURPOSE = (
    r"\b(?:to\s+(?:make|ease|keep|let|allow|protect|prevent|stop|limit|reduce|free|fix|"
    r"repair|replace|restore|isolate|contain|speed|clear|test|carry|do|help|avoid|move|"
    r"bring|safeguard|install|upgrade|investigate|recover|rebuild|work|reroute|divert)|"
    r"so\s+(?:that\s+)?(?:we|they|engineers|crews|repairs|work|it)|in\s+order\s+to|"
    r"as\s+(?:planned|agreed|scheduled|expected|part\s+of|a\s+precaution|instructed)|"
    r"safely|temporarily|briefly|planned|scheduled|for\s+(?:the\s+|some\s+)?(?:[\w-]+\s+)?"
    r"(?:safety|maintenance|repairs?|work|upgrades?|testing)|"
    r"while\s+(?:we|they|engineers|crews)\s+(?:repair|fix|replac|restor|work|upgrad|instal))"
)
DESTROY = (
    r"(?:deleted|wiped|erased|truncated|overwrote|overwritten|severed|unplugged|"
    # Cut what carries something, not "cut waiting times".
    r"cut(?=\s+(?:through|into|off|(?:(?:the|our|a|an|their|its|some|all|every)\s+)?"
    r"(?:[\w-]+\s+)?(?:power|cables?|lines?|suppl(?:y|ies)|connections?|pipes?|fibres?|"
    r"fibers?|mains|access|phones?|service|internet|broadband|water|gas|electricity|links?|"
    r"circuits?|feeds?)\b))|"
    # Dropped or revoked what data or access lives in, not "dropped the price".
    r"(?:dropped|revoked)(?=\s+(?:(?:the|our|an?|their|its|some|all|every)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:index(?:es)?|indices|tables?|databases?|columns?|records?|rows?|"
    r"data|schemas?|partitions?|queues?|certificates?|keys?|tokens?|accounts?|access|"
    r"permissions?|domains?|connections?|routes?)\b)|"
    r"disconnected|damaged|destroyed|switched\s+off|turned\s+off|shut\s+(?:off|down)|"
    r"knocked\s+out|took\s+(?:down|offline)|brought\s+down|pulled\s+the\s+plug\s+on|"
    # "took the website offline", "knocked the exchange out of service".
    r"(?:took|knocked|brought|put)\s+(?!" + REMEDY_OBJECT + r")(?:[\w'\u2019-]+\s+){1,4}?"
    r"(?:offline|down\b|out\s+of\s+(?:action|service|use)))"
)
# A defective thing is theirs when they brought it in, not when they took it out
# ("replaced the broken switch") nor when they mended something with it.
_MOVED = r"(?:took|put|moved|knocked|brought|(?:sent|handed|gave)\s+back)"
_ACT_DEFECT = rf"(?!(?:{DETECT}|{REMOVE}|{DESTROY}|{_MOVED})\b){DID}{_OBJECT}{DEFECT}\b"
_ACT_STALE = (
    rf"(?!(?:{DETECT}|{REMOVE}|{_MOVED})\b){DID}(?:\s+(?:out|in|up|over))?"
    rf"\s+(?:(?:us|them|you|customers)\s+)?{_STALE}"
)
_ACT_DESTROY = (
    rf"{DESTROY}(?:\s+(?:through|into|off))?(?!\s+{REMEDY_OBJECT})"
    rf"(?![^.;!?\n]*{PURPOSE})"
)
# Not doing one's job: "failed to", "didn't test", "had not tested", "never told".
_DUTY = (
    r"(?:test|check|notic|spot|renew|follow|review|patch|updat|appl|read|act|respond|escalat|"
    r"monitor|tell|told|warn|inform|notif|add|provid|schedul|book|pick|answer|repl|deliver|"
    r"send|sent|pay|paid|back|approv|verif|confirm|secur|lock|fix|replac|run|ran)"
)
NOT_DONE = (
    r"(?:failed\s+(?:to|us)|let\s+us\s+down|(?:forgot|neglected|omitted)\s+to|"
    r"(?:failing|forgetting|neglecting|omitting)\s+to|never\s+" + _DUTY + r"\w*"
    r"|(?:did|had)\s*(?:n['\u2019]t|\s+not|\s+never)\s+(?:been\s+)?(?:properly\s+)?"
    + _DUTY
    + r"\w*"
    # Said of them as a cause: "the result of our provider not renewing the domain".
    r"|not\s+(?:properly\s+)?" + _DUTY + r"\w*ing\b)"
)
# The rest of a job, undone by people or a company: "the depot staff didn't scan the
# parcels in", "the supplier didn't load the meals", "the engineer never turned up"; not
# what nobody should do ("our team didn't record any data loss"), and never said of a
# name, which may be a product ("Images didn't load").
_CHORE = (
    r"(?:scan|load|record|log|label|submit|upload|process|sign|clean|inspect|maintain|servic|"
    r"order|restock|stock|collect|prepar|hand|pass|forward|register|enter|mark|configur|"
    r"install|enabl|activat|complet|finish|top\w*\s+up|refill|seal|tag|count|print|dispatch|"
    r"ship|reserv|call|contact|migrat|reconcil|sync|publish|switch\w*\s+(?:on|over)|"
    r"turn\w*\s+(?:on|up)|show\w*\s+up|open|arrang|allocat|assign|brief|train|document|chase|"
    r"sav|rais|attend|post(?!pon))"
)
CHORE_UNDONE = (
    r"(?:(?:did|had)\s*(?:n['\u2019]t|\s+not|\s+never)|never|not)\s+(?:properly\s+)?"
    + _CHORE
    + r"\w*\b(?!\s+(?:any|anything|a\s+single)\b)"
)
# A setting made wrong: "set the throughput limit too low", "a pool sized too small".
SET_TOO = (
    r"(?:set|configured|sized|capped|limited|provisioned|tuned|scaled|dialled|dialed)"
    r"\s+(?:[\w-]+\s+){0,3}?too\s+(?:low|high|small|short|tight|strict|aggressive(?:ly)?|"
    r"loose|long|few|little)\b"
)
# Acts that are a fault when done twice: "sent the alerts twice", "charged customers twice".
TWICE_VERB = (
    r"(?:sent|charged|billed|debited|imported|uploaded|processed|submitted|ran|run|paid|"
    r"posted|published|emailed|texted|issued|applied|loaded|keyed|entered|collected|"
    r"dispatched|shipped|delivered|credited|refunded|printed|mailed)"
)
# The checks a piece of work goes through before it goes live.
_CHECKS = (
    r"(?:(?:any|the|proper|our|its|their|all|a)\s+)?(?:[\w-]+\s+)?(?:testing|tests|review|qa|"
    r"checks|approval|sign-?off|change\s+control|staging)\b"
)
# A fault any agent may commit, a capitalised name included ("Tomás ran the script
# against the live database instead of the test copy").
NAMED_FAULT = (
    r"(?:"
    r"made\s+(?:an?\s+|the\s+)?(?:(?:careless|simple|human|basic)\s+)?"
    r"(?:mistake|error|typo|blunder|slip|misjudge?ment)"
    r"|broke(?!\s+(?:[\w-]+\s+){0,3}?(?:into|up\s+into|down\s+(?:the|our|it)|the\s+news)\b)"
    r"|botched|bungled|messed\s+up|screwed\s+up|fat-fingered|misconfigured|mis-?typed|"
    r"overlooked|neglected|forgot|missed|ignored|skipped|wiped|omitted|left\s+(?:out|off)"
    r"|" + NOT_DONE + r"|let\s+(?:[\w-]+\s+){1,6}?(?:expire|lapse|run\s+out)"
    r"|introduced\s+(?:an?\s+|the\s+)?(?:bug|error|fault|regression|mistake)"
    r"|(?:bypass|sidestepp|circumvent|skipp)\w*\s+"
    + _CHECKS
    + r"|(?:is|are|was|were)\s+(?:to\s+blame|at\s+fault|responsible\s+for\s+the)"
    r"|" + CARELESSLY + r"(?:\s+[\w-]+)?"
    r"|lost\s+(?:an?|the|some|part|one|\d+|our|your|track)\b|misplaced|severed|damaged"
    r"|(?:cut|dug|drilled)\s+(?:through|into)\s+(?:(?:an?|the|our|some|one\s+of\s+(?:our|the))"
    r"\s+)?(?:[\w-]+\s+)?(?:cables?|pipes?|lines?|fibres?|fibers?|mains?|ducts?|wires?)\b"
    r"|overrode|overwrote|unplugged|mixed\s+up|muddled"
    r"|mis-?[a-z]{3,}ed|mis(?:read|sent|set|led|took)"
    r"|allowed\s+(?:[\w-]+\s+){1,6}?to\s+(?:expire|lapse|run\s+out)"
    # "the network team caused the outage": the outage is theirs.
    r"|(?:caused|triggered|started|brought\s+about)\s+(?:the|this|that|an?|today['\u2019]s|"
    r"yesterday['\u2019]s|last\s+night['\u2019]s)\s+(?:[\w-]+\s+)?(?:outage|problem|issue|"
    r"incident|disruption|failure|errors?|delays?|crash|fault|downtime|breach|fire|flood|leak)s?\b"
    r"|left\s+(?:[\w-]+\s+){1,4}?(?:disabled|switched\s+off|turned\s+off|unpatched|"
    r"unlocked|unmonitored|exposed|expired|misconfigured|running|open|unfinished|incomplete|"
    r"undone|half[\s-][\w-]+|(?:partly|partially)\s+[\w-]+ed)\b"
    r"|(?:[\w-]+ed|sent|put|set|took|made)\s+(?:[\w-]+\s+){0,2}?too\s+(?:few|little|many|much)\b"
    # What is a fault when done twice: "sent the alerts twice", "charged customers twice".
    r"|(?:[\w-]+ed|sent|ran|put|set|took|made)\s+(?:us\s+|them\s+)?the\s+same\s+(?:[\w-]+\s+){1,3}?"
    r"(?:twice|two\s+times)\b"
    r"|" + TWICE_VERB + r"\s+(?:[\w'\u2019-]+\s+){0,4}?(?:twice|two\s+times|in\s+duplicate)\b"
    r"|" + _ACT_WRONG + r"|" + _ACT_DEFECT + r"|" + _ACT_STALE + r"|" + SET_TOO + r")"
)
# A capitalised word that "cut the supply" may be a street or a storm: only people and
# companies destroy things by fault or leave a chore undone.
FAULT = rf"(?:{NAMED_FAULT}|{_ACT_DESTROY}|{CHORE_UNDONE})"
# Said anywhere after the agent and a verb in the same sentence: done by mistake, without
# telling or checking, leaving something out, or "…, which is what broke exports".
ANYWHERE = (
    r"(?<![\w-])(?:by|in)\s+(?:mistake|accident|error)\b(?!\s+(?:rates?|messages?|codes?|logs?|"
    r"counts?|pages?|states?|responses?|budgets?))|\b(?:left\s+(?:out|off)|omitted)\b"
    r"|\b(?:never|did\s*n[o']t|without)\s+(?:(?:any|prior|advance|first)\s+)?(?:tell|told|warn|"
    r"inform|notif|notice|check|test|renew|confirm|consult|ask|agree|approv|review|wait)\w*"
    r"|\b(?:had|has|have|was|were)\s*(?:n['\u2019]t|\s+not|\s+never)\s+(?:yet\s+)?(?:been\s+)?"
    r"(?:properly\s+)?(?:tested|checked|reviewed|approved|signed\s+off)\b"
    # Work that skipped its checks: "an update that hadn't been through testing", "skipped
    # the review", "bypassed change control".
    r"|\b(?:had|has|have|was|were|is|are)\s*(?:n['\u2019]t|\s+not|\s+never)\s+(?:yet\s+)?"
    r"(?:been|gone|passed)\s+through\s+"
    + _CHECKS
    + r"|\b(?:skipp|bypass|sidestepp)\w*\s+"
    + _CHECKS
    + r"|\bwhich\s+(?:is|was)\s+what\s+(?:broke|caused|took)\b|\bwithout\s+(?:any\s+|an?\s+|the\s+|"
    r"(?:proper|prior|a\s+proper)\s+)?(?:[\w-]+\s+)?(?:review|testing|tests|checking|checks|"
    r"approval|sign-?off|permission|authori[sz]ation|feature\s+flag|change\s+request|"
    r"change\s+control|rollback\s+plan|backup|snapshot|running\s+the\s+tests|lock|timeout|"
    r"limit|safeguard|(?:dry|trial|test)[\s-]run)\b|\b(?:instead\s+of|rather\s+than)\b|\bwiped\b"
    # What the act did next: "…, which took every store offline".
    r"|\bwhich\s+(?:then\s+|in\s+turn\s+|also\s+)?(?:caused|triggered|broke|crashed|wiped|"
    r"deleted|corrupted|took\s+(?:[\w-]+\s+){0,3}?(?:offline|down)|knocked\s+(?:out|over|offline)|"
    r"brought\s+down|locked\s+(?:out|up)|cut\s+off)\b"
    r"|\bdespite\s+(?:failing|the\s+(?:warnings?|alerts?|failed))|\bprematurely\b"
    # Meant for something else: "a firmware build meant for a different model", "an upgrade
    # that wasn't meant for our network".
    r"|\b(?:meant|intended|designed|built)\s+for\s+(?:a\s+different|another|other)\b"
    r"|\b(?:was|were|is|are)\s*(?:n['\u2019]t|\s+not|\s+never)\s+(?:meant|intended|designed|"
    r"built|approved|certified|made|released|compatible|cleared)\s+(?:for|with)\b"
    # Out of bounds: "dug outside the marked area", "worked beyond the agreed window".
    r"|\b(?:outside|beyond)\s+(?:the|their|its|our|an?)\s+(?:[\w-]+\s+)?(?:marked|agreed|"
    r"permitted|approved|authori[sz]ed|designated|booked|fenced|safe)\b"
    # Something handed over with a gap: "with the price column left blank".
    r"|\bleft\s+(?:blank|empty|unset|unticked|unchecked|unfilled)\b"
    r"|\bbefore\s+(?:the\s+)?(?:[\w-]+\s+)?(?:checks?|tests?|reviews?|approvals?)\s+"
    r"(?:were|was|had)\s+(?:complete|done|finished|run|passed)"
)
FAULT_NOUN = (
    r"(?:mistake|error|typo|blunder|negligence|oversight|slip(?:-up)?|fault|carelessness|"
    r"misjudge?ment|lapse|misconfiguration|misconfig)"
)
# A thing a person or a company makes: "the vendor's update", "Priya's script".
WORK = (
    r"(?:change|commit|deploy(?:ment)?|config(?:uration)?|script|update|release|patch|"
    r"upgrade|migration|query|command|code|rule|setting|file|import|push|edit|decision|"
    r"firmware|build|version|work)"
)
# What such a thing did that damaged something.
DAMAGED = (
    r"(?:broke|caused|took|deleted|wiped|truncated|corrupted|overwrote|crashed|knocked|"
    r"brought|disabled|blocked|locked|removed|dropped|cut|stopped|froze|rejected|erased|"
    r"emptied|duplicated|exposed|shipped\s+with|went\s+out\s+with|contained|introduced|"
    r"flipped|reset|overrode|left)"
)
# An agent's act given as the cause: "because our card processor sent …", "after a
# subcontractor cut …", "the result of our IT team applying …".
CAUSE = (
    r"\b(?:because(?:\s+of)?|after|when|due\s+to|(?:the\s+)?result\s+of|resulted\s+from|"
    r"caused\s+by|triggered\s+by|following|(?:root\s+)?cause(?:\s+(?:was|is))?\s*:?)\s+"
)
# What people do to recover, to learn or to help, and what merely befell them.
BENIGN = (
    r"(?:restor|recover|repair|fix|resolv|roll|revert|restart|identif|found|spott|notic|"
    r"confirm|investigat|contact|alert|report|escalat|need|want|work|help|had|experienc|"
    r"suffer|saw|see|complet|finish|monitor|respond|warn|ask|call|told|tell|flagg|approv|"
    r"agree|decid|receiv|review|check|test|coordinat|manag|support|open|clos|mov|follow|"
    r"join|arriv|took\s+over|came|sign|log|lead|led|chair|own|said|say|explain|apologi|"
    r"thank|promis|deploy(?:ed)?\s+(?:a|the)\s+fix)"
)
