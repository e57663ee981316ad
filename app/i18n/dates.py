"""Dates, times, durations and percentages in the language being rendered.

English keeps Herald's own formats ("21 Oct 2025, 14:28 CEST"), which pages, emails and
their golden files already use; other languages take CLDR's patterns through Babel
("21. Okt. 2025, 14:28 CEST", "21 oct 2025, 14:28 CEST").
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from flask_babel import get_locale, gettext

from core.vocab import DEFAULT_LANGUAGE


def language() -> str:
    """The language being rendered (English outside an app context)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def is_english() -> bool:
    return language() == DEFAULT_LANGUAGE


def local_day_text(day: date | datetime, lang: str) -> str:
    return _day_text(day.date() if isinstance(day, datetime) else day, lang)


# A page in another language writes the same 90 days and the same few percentages for
# every component: Babel's formatting is slow enough (tens of µs) to be worth keeping.
@lru_cache(maxsize=2048)
def _day_text(day: date, lang: str) -> str:
    return format_skeleton("yMMMd", day, locale=lang)


@lru_cache(maxsize=4096)
def percent_in(fraction: float, lang: str) -> str:
    """A share (0 to 1) as a percentage in ``lang`` ("99,95\u00a0%"), never rounded up to
    100 unless it is 100."""
    value = fraction * 100
    if value >= 100:
        return format_decimal(100, "0", locale=lang) + "\u00a0%"
    return format_decimal(min(value, 99.99), "0.00", locale=lang) + "\u00a0%"


def local_time_text(local: datetime, lang: str) -> str:
    """A moment already in the page's zone: date, time and the zone's abbreviation."""
    return f"{local_day_text(local, lang)}, {local:%H:%M} {local.tzname()}"


def local_window_text(a: datetime, b: datetime, lang: str) -> str:
    if a.date() == b.date():
        return f"{local_day_text(a, lang)}, {a:%H:%M} – {b:%H:%M} {b.tzname()}"
    return (
        f"{local_day_text(a, lang)}, {a:%H:%M} – {local_day_text(b, lang)}, {b:%H:%M} {b.tzname()}"
    )


def short_day_text(local: datetime, lang: str) -> str:
    """Day and month, for SMS ("28. Nov.", "28 nov")."""
    return format_skeleton("MMMd", local, locale=lang)


def month_text(first: date) -> str:
    """A month of the history ("October 2025", "Oktober 2025", "Octubre de 2025")."""
    lang = language()
    if lang == DEFAULT_LANGUAGE:
        return f"{first:%B %Y}"
    text = format_skeleton("yMMMM", first, locale=lang)
    return text[:1].upper() + text[1:]


def percent_text(fraction: float | None, english: str) -> str:
    """``english`` is Herald's English figure ("99.95%"); other languages write their
    decimal comma and a space before the sign."""
    lang = language()
    if lang == DEFAULT_LANGUAGE:
        return english
    if fraction is None:
        return gettext("no data")
    return percent_in(fraction, lang)


def duration_text(seconds: float) -> str:
    """'2 h 5 min', '45 min', '30 s', '3 d 4 h' in the language being rendered."""
    seconds = round(seconds)
    if seconds < 60:
        return gettext("%(num)d s", num=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return gettext("%(num)d min", num=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        if not minutes:
            return gettext("%(hours)d h", hours=hours)
        return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    if not hours:
        return gettext("%(days)d d", days=days)
    return gettext("%(days)d d %(hours)d h", days=days, hours=hours)
