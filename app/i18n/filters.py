"""Template helpers that put the read model's English into the language being rendered.

In English each helper returns what the pages showed before, byte for byte (the golden
pages hold them to it); in another language it rebuilds the words from the facts.
"""

from __future__ import annotations

import re

from flask import Flask
from flask_babel import gettext

from app.i18n import COOKIE, current_language, is_localized_request
from app.i18n.dates import (
    duration_text,
    is_english,
    local_day_text,
    local_window_text,
    month_text,
    percent_in,
    percent_text,
)
from app.i18n.words import (
    IMPACT_TAGS,
    IMPACT_WORDS,
    SHORT_STATUS_WORDS,
    STATUS_WORDS,
    description_word,
    event_status_word,
)
from app.status.summary import INTERNAL_REASON
from app.status.uptime import DayBar, format_percent
from app.timeutil import page_zone
from core.vocab import DEFAULT_LANGUAGE

# How app.status.effective explains a status that comes from a dependency.
DEPENDS = re.compile(r"(?i)^depends on (?P<name>.+) \((?P<label>[^()]+?)(?: via (?P<via>.+))?\)$")
LOWER_STATUS_BY_WORD = {str(label).lower(): key for key, label in STATUS_WORDS.items()}
ENGLISH_STATUS = {
    "operational": "operational",
    "degraded performance": "degraded_performance",
    "partial outage": "partial_outage",
    "major outage": "major_outage",
    "under maintenance": "under_maintenance",
}


def percent(fraction: float | None) -> str:
    return percent_text(fraction, format_percent(fraction))


def day_tip(bar: DayBar, lang: str) -> str:
    """A day's tooltip on the uptime bars in ``lang``: "21. Okt. 2025: 99,50 % ·
    Teilausfall 2 h". The page asks once for its language, not once per bar: there are
    90 bars a component."""
    if lang == DEFAULT_LANGUAGE:
        return bar.tip
    if bar.uptime is None:
        return f"{local_day_text(bar.day, lang)}: {gettext('no data')}"
    tip = f"{local_day_text(bar.day, lang)}: {percent_in(bar.uptime, lang)}"
    if not bar.notes and not bar.incidents:
        return tip
    notes = []
    for status, seconds, so_far in bar.notes:
        note = f"{SHORT_STATUS_WORDS[status]} {duration_text(seconds)}"
        notes.append(gettext("%(note)s so far", note=note) if so_far else note)
    if notes:
        tip += " · " + ", ".join(notes)
    if bar.incidents:
        tip += " · " + "; ".join(bar.incidents)
    return tip


def reason_text(reason: str) -> str:
    """A component's reason for its status ("Depends on Database (major outage via
    Storage)") in the language being rendered; other reasons are names, kept as they are."""
    if is_english() or not reason:
        return reason
    if reason == INTERNAL_REASON:
        return gettext("Affected by a problem in a system it depends on")
    parts = []
    for part in reason.split("; "):
        found = DEPENDS.match(part)
        status = ENGLISH_STATUS.get(found.group("label").lower()) if found else None
        if found is None or status is None:
            return reason
        label = str(STATUS_WORDS[status]).lower()
        if found.group("via"):
            parts.append(
                gettext(
                    "depends on %(name)s (%(status)s via %(via)s)",
                    name=found.group("name"),
                    status=label,
                    via=found.group("via"),
                )
            )
        else:
            parts.append(
                gettext("depends on %(name)s (%(status)s)", name=found.group("name"), status=label)
            )
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def reported_text(reason: str) -> str:
    """A public signal's line ("Reported by Acme Payments")."""
    if is_english() or not reason.startswith("Reported by "):
        return reason
    return gettext("Reported by %(source)s", source=reason[len("Reported by ") :])


def window_text(event) -> str:
    """A maintenance window's dates, as ``EventEntry.window_text`` in English."""
    if is_english() or event.scheduled_for is None:
        return event.window_text
    zone = page_zone()
    return local_window_text(
        event.scheduled_for.astimezone(zone),
        event.scheduled_until.astimezone(zone),
        current_language(),
    )


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        percent=percent,
        day_tip=day_tip,
        reason_text=reason_text,
        reported_text=reported_text,
        window_text=window_text,
        month_label=lambda month: month_text(month.first),
        status_word=lambda status: STATUS_WORDS.get(status, status),
        impact_tag=lambda impact: IMPACT_TAGS.get(impact, impact),
        impact_word=lambda impact: IMPACT_WORDS.get(impact, impact),
        description_word=description_word,
    )
    app.jinja_env.globals.update(
        event_status_word=event_status_word,
        current_language=current_language,
        # The switch is offered only where it changes something (not on a roll call's
        # answer page, which is for staff and stays English).
        in_readers_language=is_localized_request,
        LANGUAGE_COOKIE=COOKIE,
    )
