"""How much a staff template may build, and the checks that hold it to that before
anything is built.

Two bounds: no one text a template builds or writes is longer than MAX_OUTPUT characters
(each way of building one measures what it would make first: joining, padding,
formatting, repeating, writing a list as text), and no render builds more than
MAX_BUILT characters in all (so that many texts each under the first bound cannot add
up to a large allocation either). A template past either is refused with a
SecurityError that says what it tried; nothing large is allocated first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedFormatter
from jinja2.utils import Namespace

MAX_TEMPLATE = 20_000
# A text or a list repeated with "*" at most this long; a number of at most this many
# bits (1,233 digits); each text a template builds or renders at most MAX_OUTPUT
# characters, and all the texts one render builds at most MAX_BUILT characters.
MAX_REPEAT = 10_000
MAX_NUMBER_BITS = 4_096
MAX_OUTPUT = 50_000
MAX_BUILT = 1_000_000
# Lists in lists this deep are refused rather than measured (and a list cannot hold
# itself: templates get no method that changes a list).
MAX_DEPTH = 50
# A number written with a format (a precision, a "%" or "f" type, separators) is at most
# this much longer than its plain text: a float has at most 309 digits before the point.
NUMBER_SLACK = 320

# A width or precision in a format string: "%-12.3f", "{:>12}", "{0:^{1}}".
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?[a-zA-Z%]?")
BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")
DIGITS = re.compile(r"\d+")

_built: ContextVar[list[int] | None] = ContextVar("template_built", default=None)


def too_big(what: str) -> SecurityError:
    return SecurityError(
        f"{what} makes a text of more than {MAX_OUTPUT:,} characters; "
        "a template may not build that much"
    )


def integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# A list, tuple, set or mapping counts this much per item: the size of one reference,
# in the units of the total (characters of text, a byte each).
SLOT = 8


def start_counting() -> object:
    """Count, from here, the characters this render builds; returns the token that
    ``stop_counting`` takes. A context variable, so that threads rendering at once
    each count their own."""
    return _built.set([0])


def stop_counting(token) -> None:
    _built.reset(token)


def count_built(result, new_items: bool = False):
    """Add what an operation built to the render's total; refuse past MAX_BUILT.
    The operation itself was held to MAX_OUTPUT before it ran, so the total overshoots
    by at most one such result. A text counts its characters; a list, tuple, set or
    mapping counts one per item (copying a large list again and again costs memory
    too), and its texts as well when they are new (``new_items``: "a b".split()), not
    when it holds the same texts again ([s] * 9)."""
    counter = _built.get()
    if counter is None:  # folding constants while compiling: each text is checked alone
        return result
    if isinstance(result, str):
        counter[0] += len(result)
    elif isinstance(result, (list, tuple, set, frozenset, dict)):
        counter[0] += SLOT * len(result)
        if new_items:
            counter[0] += sum(len(item) for item in result if isinstance(item, str))
    if counter[0] > MAX_BUILT:
        raise SecurityError(
            f"the template builds more than {MAX_BUILT:,} characters of text in all; "
            "a template may not build that much"
        )
    return result


def check_room(value) -> None:
    """Refuse, before it is built, a list of as many items as ``value`` has (a range, a
    list …) when it would take the render past MAX_BUILT."""
    counter = _built.get()
    if counter is None or not isinstance(value, (range, list, tuple, set, frozenset, dict)):
        return
    if counter[0] + SLOT * len(value) > MAX_BUILT:
        raise SecurityError(
            f"the template builds more than {MAX_BUILT:,} characters of text in all; "
            "a template may not build that much"
        )


def count_keys(value) -> None:
    """Count the texts of ``value`` (a list or mapping) as built before a filter that
    makes a key of each (sort, unique, groupby … compare lower-cased copies)."""
    if isinstance(value, dict):
        value = list(value.items())
    if isinstance(value, (list, tuple)):
        count_built(
            [t for item in value for t in (item if isinstance(item, tuple) else (item,))],
            new_items=True,
        )


def text_size(value, limit: int = MAX_OUTPUT, conversion: str = "s") -> int:
    """The length of ``str(value)`` (``repr`` for "r", ``ascii`` for "a"), measured
    without building it; any number past ``limit`` once the measure passes it."""
    return _size(value, limit, conversion, 0)


def _size(value, limit: int, conversion: str, depth: int) -> int:
    if isinstance(value, str):
        if conversion == "s" or len(value) + 2 > limit:
            return len(value) + (0 if conversion == "s" else 2)
        return len(repr(value) if conversion == "r" else ascii(value))
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        if depth >= MAX_DEPTH:
            raise SecurityError(
                f"lists or mappings nested more than {MAX_DEPTH} deep cannot be written "
                "as text in a template"
            )
        inner = "a" if conversion == "a" else "r"
        items = value.items() if isinstance(value, dict) else ((item,) for item in value)
        total = 2
        for pair in items:
            for item in pair:
                total += _size(item, limit - total, inner, depth + 1) + 2
            if total > limit:
                return limit + 1
        return total
    if isinstance(value, Namespace):
        raise SecurityError(
            "a namespace cannot be written as text in a template; write its attributes"
        )
    if integer(value) and value.bit_length() > 4 * limit:
        return limit + 1
    convert = {"s": str, "r": repr, "a": ascii}[conversion]
    return len(convert(value))


def check_text(value, what: str) -> None:
    """Refuse to write ``value`` as text when the text would be too long."""
    if not isinstance(value, str) and text_size(value) > MAX_OUTPUT:
        raise too_big(what)


def bounded_join(items, separator, what: str) -> str:
    """``separator.join(map(str, items))``, refused before joining past MAX_OUTPUT."""
    separator = str(separator)
    texts: list[str] = []
    size = 0
    for item in items:
        size += text_size(item, MAX_OUTPUT - size) + (len(separator) if texts else 0)
        if size > MAX_OUTPUT:
            raise too_big(what)
        texts.append(str(item))
    return count_built(separator.join(texts))


def check_repeat(sequence, times) -> None:
    repeats = isinstance(sequence, (str, list, tuple)) and integer(times)
    if repeats and len(sequence) * times > MAX_REPEAT:
        raise SecurityError(
            f"repeating a text or a list that many times makes more than {MAX_REPEAT:,} "
            "characters or items; a template may not build that much"
        )


def check_bits(bits: float) -> None:
    if bits > MAX_NUMBER_BITS:
        raise SecurityError(
            f"that calculation makes a number of more than {MAX_NUMBER_BITS:,} bits; "
            "a template may not build numbers that large"
        )


def check_widths(*values) -> None:
    """No width, count or tab size beyond what a text may hold."""
    for value in values:
        if integer(value) and value > MAX_OUTPUT:
            raise too_big(f"a width of {value:,}")


def check_count(value, what: str) -> None:
    """No batch or slice count beyond what a list may hold."""
    if number(value) and value > MAX_REPEAT:
        raise SecurityError(
            f"{what} of {value:,} makes more than {MAX_REPEAT:,} items; "
            "a template may not build that much"
        )


def check_replace(text: str, old, new, count=None) -> None:
    old, new = str(old), str(new)
    times = text.count(old) if old else len(text) + 1
    if integer(count) and count >= 0:
        times = min(times, count)
    if len(text) + times * (len(new) - len(old)) > MAX_OUTPUT:
        raise too_big("that replace")


def check_expandtabs(text: str, tabsize=8) -> None:
    check_widths(tabsize)
    if integer(tabsize) and len(text) + text.count("\t") * max(tabsize - 1, 0) > MAX_OUTPUT:
        raise too_big("that expandtabs")


def check_percent(text: str, args) -> None:
    """``text % args`` (and the ``format`` filter): every width and precision, written
    or given with "*", and every value written, measured before formatting."""
    size = len(text)
    stars = conversions = 0
    for match in PERCENT_SPEC.finditer(text):
        conversions += 1
        for written in match.groups():
            if written == "*":
                stars += 1
            elif written:
                if int(written) > MAX_OUTPUT:
                    raise too_big(f"the format {match.group(0)!r}")
                size += int(written)
    values = args if isinstance(args, tuple) else (args,)
    if stars:
        check_widths(*values)
        size += sum(abs(value) for value in values if integer(value))
    if isinstance(args, Mapping):
        # "%(a)s%(a)s…" writes one value many times.
        size += conversions * (text_size(args, MAX_OUTPUT, "a") + NUMBER_SLACK)
    else:
        for value in values:
            size += text_size(value, MAX_OUTPUT, "a") + (NUMBER_SLACK if number(value) else 0)
            if size > MAX_OUTPUT:
                break
    if size > MAX_OUTPUT:
        raise too_big(f"the format {text[:40]!r}")


def check_brace_format(text: str) -> None:
    """Widths written in a "{:>12}" format; those given as arguments ("{:{}}") are
    checked by BoundedFormatter once they are known."""
    for match in BRACE_SPEC.finditer(text):
        for written in DIGITS.findall(match.group(1)):
            if int(written) > MAX_OUTPUT:
                raise too_big(f"the format {match.group(0)!r}")


class BoundedFormatter(SandboxedFormatter):
    """Jinja's sandboxed ``str.format``, measuring each field before it is written (with
    its width and precision, nested ones included) and the text so far."""

    def vformat(self, format_string, args, kwargs):
        check_brace_format(format_string)
        self.size = len(format_string)
        return count_built(super().vformat(format_string, args, kwargs))

    def convert_field(self, value, conversion):
        if conversion in ("r", "a") and text_size(value, MAX_OUTPUT, conversion) > MAX_OUTPUT:
            raise too_big(f"the conversion !{conversion}")
        return super().convert_field(value, conversion)

    def format_field(self, value, format_spec):
        widths = [int(written) for written in DIGITS.findall(format_spec)]
        check_widths(*widths)
        self.size += text_size(value) + sum(widths) + (NUMBER_SLACK if number(value) else 0)
        if self.size > MAX_OUTPUT:
            raise too_big("that format")
        return super().format_field(value, format_spec)
