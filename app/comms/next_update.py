"""Does a text tell its readers when they will hear next? The ``no_next_update`` check
reads what the reader sees, not the fact sheet: the audience's page template adds the
line ("We'll post our next update by …", "**Next update:** by …") from the fact sheet's
next-update time, and a lead who edits the text may remove it or write one of their own.
"""

from __future__ import annotations

import re

_NUMBER = (
    r"(?:\d+|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|forty-five|half\s+an|"
    r"a\s+few|a\s+couple\s+of)"
)
_CLOCK = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_WHEN = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*[ap]\.?m\b|\b(?:noon|midday|midnight)\b"
    r"|\b(?:in|within|after)\s+(?:the\s+next\s+)?" + _NUMBER + r"\s*(?:min(?:ute)?s?|hours?|hrs?)\b"
    r"|\bwithin\s+the\s+(?:next\s+)?hour\b"
    r"|\b(?:half|(?:a\s+)?quarter)\s+(?:past|to)\s+(?:\d{1,2}|" + _CLOCK + r")\b"
    r"|\bat\s+" + _CLOCK + r"(?:\s+o['\u2019]clock)?\b(?!\s+(?:of|sites?|locations?|stores?))"
    r"|\bevery\s+(?:" + _NUMBER + r"\s*)?(?:min(?:ute)?s?|hours?|half\s+hour)\b",
    re.IGNORECASE,
)
# What a next communication is called: an update, or for the press a statement, briefing …
_NEWS = r"(?:update|statement|announcement|bulletin|briefing|press\s+release)"
_PROMISE = re.compile(
    r"\b(?:next|further|another|final|new|updated)\s+" + _NEWS + r"\b"
    r"(?!\s+(?:to|of|for)\s+(?:the|our|your)\s+app)"
    r"|\bupdate\s+(?:this\s+page|you|here|again)\b"
    r"|\b(?:share|post|send|provide|give|issue|publish|release|make)\s+"
    r"(?:(?:you|them|everyone|customers|readers)\s+)?(?:more|an?\s+" + _NEWS + r"|news|details)\b"
    # Telling them again: "we will brief the press again", "we'll let you know", "we'll
    # confirm at 15:30".
    r"|\b(?:brief|update|tell|inform)\s+(?:the\s+)?(?:press|media|journalists|reporters|"
    r"customers)\b"
    r"|\bwe(?:['\u2019]ll|\s+will)\s+(?:confirm|let\s+(?:you|everyone|customers)\s+know|"
    r"be\s+in\s+touch|get\s+back\s+to\s+you|write\s+again)\b"
    r"|\bcheck\s+back\b|\bhear\s+from\s+us\b|\breport\s+back\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?](?=\s|$)|$)", re.MULTILINE)


def tells_next_update(text: str) -> bool:
    """Whether one sentence of ``text`` promises an update and says when (a time, a delay
    or a cadence): "Next update by 15:30 UTC", "we'll update this page every 30 minutes"."""
    return any(
        _PROMISE.search(sentence) and _WHEN.search(sentence)
        for sentence in _SENTENCE.findall(text or "")
    )
