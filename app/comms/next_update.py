"""Does a text tell its readers when they will hear next? The ``no_next_update`` check
reads what the reader sees, not the fact sheet: the audience's page template adds the
line ("We'll post our next update by …", "**Next update:** by …") from the fact sheet's
next-update time, and a lead who edits the text may remove it or write one of their own.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

_NUMBER = (
    r"(?:\d+|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|forty-five|half\s+an|"
    r"a\s+few|a\s+couple\s+of)"
)
# Minutes and hours, in words or short: "30 minutes", "15m", "15 mins", "1h", "2 hrs".
_UNIT = r"(?:min(?:ute)?s?|hours?|hrs?|(?<=\d)[mh])\b"
_CLOCK = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_WHEN_SRC = (
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*[ap]\.?m\b|\b(?:noon|midday|midnight)\b"
    r"|\b(?:in|within|after)\s+(?:the\s+next\s+)?(?:about\s+|around\s+|roughly\s+|~\s*)?"
    + _NUMBER
    + r"\s*"
    + _UNIT
    + r"|\bwithin\s+the\s+(?:next\s+)?hour\b"
    r"|\b(?:half|(?:a\s+)?quarter)\s+(?:past|to)\s+(?:\d{1,2}|" + _CLOCK + r")\b"
    r"|\bat\s+" + _CLOCK + r"(?:\s+o['\u2019]clock)?\b(?!\s+(?:of|sites?|locations?|stores?))"
    r"|\bevery\s+(?:" + _NUMBER + r"\s*)?(?:" + _UNIT + r"|half\s+hour\b)"
)
_WHEN = re.compile(_WHEN_SRC, re.IGNORECASE)
# What a next communication is called: an update, or for the press a statement, briefing …
_NEWS = (
    r"(?:update|statement|announcement|bulletin|briefing|press\s+release|news|sitrep|"
    r"situation\s+report)"
)
# Words that name a next communication only with a qualifier: "our next post", "more
# information", "a check-in at 16:00" (not "online check-in", "the database sync").
_NOTE = (
    r"(?:post|word|information|info|details|check-in|sync|call|report|news|updates?|checkpoint|"
    r"readout|stand-?up|huddle)"
)
# Said of what comes next: "will be published at", "to follow at", "from us by".
_COMING = (
    r"(?:\s+(?:from\s+(?:us|the\s+team|our\s+team)|will|shall|would|should|be|is|are|due|to|follow|"
    r"published|issued|posted|sent|shared|released|out|expected|coming|again|here|"
    r"on\s+this\s+page|(?:promised|planned|scheduled|expected|due|set|pencilled\s+in)\s+for))*"
)
_AT = r"\s*:?\s*(?:(?:at|by|in|within|around|about|before|no\s+later\s+than)\s+)?"
# Verbs of telling that promise more when said of the future: "we'll confirm at 16:00",
# "… and write again here at 16:00 UTC", "will refresh this page at 15:00".
_TELL = (
    r"(?:tell|write|post|publish|confirm|share|update|refresh|issue|send|provide|give|inform|"
    r"brief|report\s+back|check\s+in|follow\s+up|let\s+(?:\w+\s+){1,2}know|be\s+back|"
    # Closing the incident is the last update: "… until 12:00 and then close it out".
    r"close\s+(?:it|this|the\s+incident|things)(?:\s+out)?|close\s+out|"
    r"mark\s+(?:it|this)\s+(?:as\s+)?resolved)"
)
_PROMISE = re.compile(
    r"\b(?:next|further|another|final|new|updated|more|fresh|latest|regular|full|fuller|"
    r"detailed|separate)\s+"
    r"(?:" + _NEWS + r"|" + _NOTE + r")s?\b"
    r"(?!\s+(?:to|of|for)\s+(?:the|our|your)\s+app)"
    r"|\bupdate\s+(?:this\s+page|you|here|again)\b"
    r"|\b(?:share|post|send|provide|give|issue|publish|release|make)\s+"
    r"(?:(?:you|them|everyone|customers|readers)\s+)?(?:more|an?\s+" + _NEWS + r"|news|details)\b"
    r"|\b(?:brief|update|tell|inform)\s+(?:the\s+)?(?:press|media|journalists|reporters|"
    r"customers)\b"
    r"|\bwe(?:['\u2019]ll|\s+will)\s+(?:confirm|let\s+(?:you|everyone|customers)\s+know|"
    r"be\s+in\s+touch|get\s+back\s+to\s+you|write\s+again)\b"
    r"|\b(?:will|['\u2019]ll|shall|would|and|then|to)\s+(?:[\w-]+\s+){0,2}?" + _TELL + r"\b"
    r"|\bcheck\s+back\b|\bhear\s+from\s+us\b|\breport\s+back\b",
    re.IGNORECASE,
)
# A communication and its time together: "Update at 15:05 UTC", "An update will be
# published at 17:00", "Expect an update from us by 15:00", "with a check-in at 16:00";
# not one that was: "the update at 13:00 broke payments", "last night's update at 2am".
_TIMED = re.compile(
    r"(?<!\bthe\s)(?<!\bthis\s)(?<!\bthat\s)(?<!\blast\s)(?<!['\u2019]s\s)(?<!\bapp\s)"
    rf"\b(?:{_NEWS}|(?:an?|our)\s+{_NOTE})s?\b{_COMING}{_AT}(?:{_WHEN_SRC}"
    rf"|~?\s*\d+\s*{_UNIT})",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?](?=\s|$)|$)", re.MULTILINE)
# The time said just before: "… expects to finish by 13:00. We'll update you then."; not
# "since then" nor "and then we'll share more".
_THEN = re.compile(
    r"\b(?:(?<!\bsince\s)(?<!\buntil\s)(?<!\bfrom\s)then|at\s+that\s+(?:point|time|stage))"
    r"(?=\s*(?:[.!?,;]|$|at\s+the\s+latest|or\s+(?:sooner|earlier)|either\s+way))",
    re.IGNORECASE,
)


def tells_next_update(text: str) -> bool:
    """Whether one sentence of ``text`` promises an update and says when (a time, a delay
    or a cadence): "Next update by 15:30 UTC", "we'll update this page every 30 minutes",
    or "then" after a sentence that gave the time ("… by 13:00. We'll update you then.")."""
    sentences = _SENTENCE.findall(text or "")
    return any(
        (
            _PROMISE.search(sentence)
            and (
                _WHEN.search(sentence)
                or (number and _THEN.search(sentence) and _WHEN.search(sentences[number - 1]))
            )
        )
        or _TIMED.search(sentence)
        for number, sentence in enumerate(sentences)
    )


# A clock time a text gives its next update: "by 19:00 UTC", "at 7 Dec 2026, 20:25 UTC".
_STATED = re.compile(
    r"(?:(?P<day>\d{1,2})\s+(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
    r"\s+(?P<year>\d{4}),?\s+)?\b(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)\b"
    r"(?:\s*(?P<utc>UTC|GMT)\b)?",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# A time of day without a date that is up to this much before now was meant for today
# (it has passed); one further back means tomorrow ("next update by 08:00", said at 23:00).
_SAME_DAY = timedelta(hours=6)


def passed_next_updates(text: str, now: datetime, zone: tzinfo) -> list[str]:
    """The next-update times ``text`` promises that are already past at ``now``, as
    written: a lead who types "Our next update will be at 19:00 UTC" at 19:24 promises
    what cannot be kept. A time without "UTC" is in the page's ``zone``."""
    passed = []
    for sentence in _SENTENCE.findall(text or ""):
        if not (_TIMED.search(sentence) or (_PROMISE.search(sentence) and _WHEN.search(sentence))):
            continue
        for found in _STATED.finditer(sentence):
            where = UTC if found["utc"] else zone
            local_now = now.astimezone(where)
            moment = local_now.replace(
                hour=int(found["hour"]), minute=int(found["minute"]), second=0, microsecond=0
            )
            if found["day"]:
                month = _MONTHS.index(found["month"][:3].lower()) + 1
                try:
                    moment = moment.replace(
                        year=int(found["year"]), month=month, day=int(found["day"])
                    )
                except ValueError:
                    continue
                late = moment < local_now - timedelta(minutes=1)
            else:
                late = local_now - _SAME_DAY < moment < local_now - timedelta(minutes=1)
            if late:
                passed.append(found.group(0).strip())
    return passed
