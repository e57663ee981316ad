"""A guess that puts the fault on someone else, for the blame check (``app.comms.blame``).

"Our partner probably dropped the requests", "we suspect the vendor lost the files",
"the carrier may have ignored the new routing": a third party (or a team, or a role)
named as the agent of a loss on a hunch. It is blame, and a guess (the speculation check
says so separately for public audiences). The act must be a loss or a refusal: "our
provider is probably seeing the same errors" or "our partner probably restored the link"
blames nobody. Machines are never agents here: "the load balancer probably dropped the
requests" is about a system.
"""

from __future__ import annotations

import re

from app.comms.blame_agents import AGENT, WHERE, WHO
from app.comms.blame_words import FAULT

_HEDGE = (
    r"(?:probably|possibly|likely|most\s+likely|apparently|presumably|perhaps|maybe|"
    r"(?:may|might|must|could)\s+(?:well\s+)?have|(?:seems|appears)\s+to\s+have)"
)
# What a third party does to what it was handed: lost, dropped, refused or garbled it.
_LOSS = (
    r"(?:dropped|lost|discarded|ignored|rejected|refused|blocked|throttled|deleted|"
    r"corrupted|mangled|garbled|mishandled|misrouted|swallowed|truncated|duplicated|"
    r"cancell?ed|rate-limited|blacklisted|blocklisted|broke|broken|cut|"
    r"(?:failed|forgot|neglected)\s+to|(?:did\s*n['\u2019]?t|did\s+not|never)\s+"
    r"(?:send|forward|deliver|process|pass|renew|apply|tell|warn))"
)
_ACT = rf"(?:{_LOSS}|{FAULT})"
# The agent, then the hedge: "our partner probably dropped", "the vendor may have lost".
AGENT_HEDGED = re.compile(
    rf"\b(?P<who>{AGENT}){WHERE}{WHO}\s+{_HEDGE}(?:\s+(?:also|just|then|accidentally|"
    rf"been|had))*\s+(?P<what>{_ACT})\b",
    re.IGNORECASE,
)
# The hedge, then the agent: "we suspect our partner dropped", "probably because the
# courier lost", "maybe the vendor has deleted".
HEDGED_AGENT = re.compile(
    r"\b(?:probably|possibly|likely|perhaps|maybe|presumably|"
    r"(?:we|I)\s+(?:think|suspect|believe|guess|assume|reckon))\b"
    r"(?:\s+(?:that|because|as|since))?\s+"
    rf"(?P<who>{AGENT}){WHERE}\s+(?:(?:has|had|have)\s+)?(?P<what>{_ACT})\b",
    re.IGNORECASE,
)


# Words of the supplier list that also name machines: "the API gateway", "the host".
_MACHINE = re.compile(r"(?:gateway|host|processor)s?$", re.IGNORECASE)


# The rules are costly; they run only where a hedge is.
_ANY_HEDGE = re.compile(
    r"\b(?:probably|possibly|likely|apparently|presumably|perhaps|maybe|may|might|must|"
    r"could|seems|appears|think|suspect|believe|guess|assume|reckon)\b",
    re.IGNORECASE,
)


def hedged_blame(sentence: str):
    """(start, end) of each third party, team or role guessed to be the agent of a loss."""
    if not _ANY_HEDGE.search(sentence):
        return
    for pattern in (AGENT_HEDGED, HEDGED_AGENT):
        for found in pattern.finditer(sentence):
            if not _MACHINE.search(found.group("who")):
                yield found.start("who"), found.end()
