"""Times written inside update texts ("Next update: by 8 Dec 2026, 02:00 UTC") marked as
``<time datetime>``, so that the public pages' script shows them in the visitor's zone as
it does the pages' own times (found by a new user: the headers were in her zone, the
texts under them in the page's). A time is marked only when its zone's name is the
page zone's at that moment: it was written by Herald in the page's zone, so it reads
back exactly. Without script the text stays as written."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from app.status.statuspage import iso

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Herald's English layout (app.status.entries.format_time): "8 Dec 2026, 02:00 UTC".
WRITTEN = re.compile(
    r"(?<!\w)(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4}), (\d{2}):(\d{2}) "
    r"([A-Z][A-Za-z]{1,5}|[+-]\d{2,4})(?!\w)"
)


def _marked(match: re.Match, zone: ZoneInfo) -> str:
    day, month, year, hour, minute, name = match.groups()
    try:
        local = datetime(
            int(year), MONTHS.index(month) + 1, int(day), int(hour), int(minute), tzinfo=zone
        )
    except ValueError:  # "31 Feb": not a moment
        return match.group(0)
    if local.tzname() != name:
        return match.group(0)  # another zone's time: left as written
    return f'<time datetime="{iso(local, zone)}">{match.group(0)}</time>'


TAG = re.compile(r"(<[^>]*>)")


def mark_times(html: Markup, zone: ZoneInfo) -> Markup:
    """``html`` (sanitised already) with each time in the page's zone marked up, in its
    text only: a tag and its attributes are kept as they are."""
    pieces = TAG.split(str(html))
    return Markup(
        "".join(
            piece if piece.startswith("<") else WRITTEN.sub(lambda m: _marked(m, zone), piece)
            for piece in pieces
        )
    )
