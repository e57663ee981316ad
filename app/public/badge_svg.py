"""Flat two-part SVG badges ("status | operational"), drawn the way README badges are.

READMEs show many badges side by side, and readers know the flat style: a grey label
part, a coloured message part, rounded 3px corners and white text with a faint shadow.
The SVG carries no font file, so each part's width is computed from the text with the
advance widths of Verdana at 11px (the font the style names first); a viewer without
Verdana draws with the next font of the list, stretched to the same length.

The SVG is safe to show anywhere: no script, no link, no outside reference, and every
text (a component name is typed by staff) is escaped.
"""

from __future__ import annotations

import math
import unicodedata
from html import escape

LABEL_COLOUR = "#555"
PADDING = 5  # each side of a text
HEIGHT = 20
FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"

# Advance widths in pixels of Verdana at 11px, printable ASCII.
VERDANA_11 = {
    " ": 3.87, "!": 4.33, '"': 5.05, "#": 9.0, "$": 6.99, "%": 11.84, "&": 7.99, "'": 2.95,
    "(": 4.99, ")": 4.99, "*": 6.99, "+": 9.0, ",": 4.0, "-": 4.99, ".": 4.0, "/": 4.99,
    "0": 6.99, "1": 6.99, "2": 6.99, "3": 6.99, "4": 6.99, "5": 6.99, "6": 6.99, "7": 6.99,
    "8": 6.99, "9": 6.99, ":": 4.99, ";": 4.99, "<": 9.0, "=": 9.0, ">": 9.0, "?": 6.0,
    "@": 11.0, "A": 7.52, "B": 7.54, "C": 7.68, "D": 8.48, "E": 6.96, "F": 6.32, "G": 8.53,
    "H": 8.27, "I": 4.63, "J": 5.0, "K": 7.62, "L": 6.12, "M": 9.27, "N": 8.23, "O": 8.66,
    "P": 6.63, "Q": 8.66, "R": 7.65, "S": 7.52, "T": 6.78, "U": 8.05, "V": 7.52, "W": 10.88,
    "X": 7.54, "Y": 6.77, "Z": 7.54, "[": 4.99, "\\": 4.99, "]": 4.99, "^": 9.0, "_": 6.99,
    "`": 6.99, "a": 6.61, "b": 6.85, "c": 5.73, "d": 6.85, "e": 6.55, "f": 3.87, "g": 6.85,
    "h": 6.96, "i": 3.02, "j": 3.79, "k": 6.51, "l": 3.02, "m": 10.7, "n": 6.96, "o": 6.68,
    "p": 6.85, "q": 6.85, "r": 4.69, "s": 5.73, "t": 4.33, "u": 6.96, "v": 6.51, "w": 9.0,
    "x": 6.51, "y": 6.51, "z": 5.75, "{": 6.98, "|": 4.99, "}": 6.98, "~": 9.0,
}  # fmt: skip
WIDE = 11.0  # a full-width character (CJK) takes the whole em
UNKNOWN = VERDANA_11["m"]  # wide enough that an unknown character never overflows


def char_width(char: str) -> float:
    found = VERDANA_11.get(char)
    if found is not None:
        return found
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cc", "Cf", "Mn"):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return WIDE
    base = unicodedata.normalize("NFD", char)[0]  # é is as wide as e
    return VERDANA_11.get(base, UNKNOWN)


def text_width(text: str) -> int:
    """The text's width in whole pixels, rounded up to an odd number so that the text's
    centre falls on a pixel boundary (crisp on screens without subpixel text)."""
    width = math.ceil(sum(char_width(c) for c in text))
    return width if width % 2 else width + 1


def flat_badge(label: str, message: str, colour: str, title: str) -> str:
    """The SVG of a flat badge; ``title`` is what a screen reader says for it."""
    label_text, message_text = text_width(label), text_width(message)
    label_width = label_text + 2 * PADDING
    message_width = message_text + 2 * PADDING
    total = label_width + message_width
    # Text is laid out at ten times the size and scaled down: finer positions.
    label_x = 10 * (label_width / 2)
    message_x = 10 * (label_width + message_width / 2)
    title, label, message = escape(title), escape(label), escape(message)

    def texts(x: float, length: int, text: str) -> str:
        return (
            f'<text aria-hidden="true" x="{x:g}" y="150" fill="#010101" fill-opacity=".3" '
            f'transform="scale(.1)" textLength="{10 * length}">{text}</text>'
            f'<text x="{x:g}" y="140" transform="scale(.1)" fill="#fff" '
            f'textLength="{10 * length}">{text}</text>'
        )

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="{HEIGHT}" rx="3" fill="#fff"/>'
        '</clipPath><g clip-path="url(#r)">'
        f'<rect width="{label_width}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{label_width}" width="{message_width}" height="{HEIGHT}" fill="{colour}"/>'
        f'<rect width="{total}" height="{HEIGHT}" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="{FONT_FAMILY}" '
        'text-rendering="geometricPrecision" font-size="110">'
        f"{texts(label_x, label_text, label)}{texts(message_x, message_text, message)}"
        "</g></svg>\n"
    )
