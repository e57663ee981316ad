"""Rules for short texts that become headers and titles: names, email subjects.

A line break in an incident name or an email subject cannot go into an email header (the
email cannot be built; SendGrid refuses it), and other control characters have no place
in a title either. They are refused where the text enters, with a clear message; bodies
(Markdown) keep their line breaks.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import ServiceError

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
LINE_BREAKS = set("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def control_character(value: str) -> str | None:
    """How to name the first line break or control character in ``value``, or None."""
    match = CONTROL.search(value or "")
    if match is None:
        return None
    char = match.group(0)
    if char in LINE_BREAKS:
        return "a line break"
    if char == "\t":
        return "a tab"
    name = unicodedata.name(char, "")
    return f"a control character (U+{ord(char):04X}{' ' + name if name else ''})"


def check_single_line(value: str, what: str, field: str | None = None) -> str:
    """``value`` unchanged; ServiceError naming ``what`` ("An incident name") when it has
    a line break or a control character."""
    found = control_character(value)
    if found is not None:
        raise ServiceError(f"{what} must be one line of plain text; it contains {found}.", field)
    return value
