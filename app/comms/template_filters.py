"""The filters and tests a staff template may use: Jinja's own, less those that can build
a text of any size in one step (their names are in REFUSED_FILTERS and a template using
one is refused when it is compiled), each checked before it builds anything and counted
in the render's total (``app.comms.template_limits``), plus Herald's ``and_list``."""

from __future__ import annotations

import functools

from jinja2.exceptions import SecurityError
from jinja2.filters import (
    FILTERS,
    do_batch,
    do_center,
    do_format,
    do_indent,
    do_replace,
    do_wordwrap,
    make_attrgetter,
    sync_do_slice,
)
from jinja2.tests import TESTS
from jinja2.utils import pass_environment, pass_eval_context

from app.comms.template_limits import (
    MAX_OUTPUT,
    bounded_join,
    check_count,
    check_percent,
    check_replace,
    check_room,
    check_text,
    check_widths,
    count_built,
    count_keys,
    integer,
    number,
    too_big,
)

# Filters whose output is no larger than their input (or a small multiple of it, as
# "ß"|upper is "SS"); the first group writes its input as text first.
TEXT_FILTERS = frozenset(
    [
        "capitalize",
        "lower",
        "upper",
        "title",
        "trim",
        "striptags",
        "wordcount",
        "string",
        "truncate",
    ]
)
DATA_FILTERS = frozenset(
    [
        "abs",
        "attr",
        "count",
        "d",
        "default",
        "dictsort",
        "first",
        "last",
        "float",
        "int",
        "groupby",
        "items",
        "length",
        "list",
        "map",
        "max",
        "min",
        "random",
        "reject",
        "rejectattr",
        "reverse",
        "round",
        "select",
        "selectattr",
        "sort",
        "unique",
        "filesizeformat",
    ]
)


# Filters that compare lower-cased copies of the items' texts.
KEYED_FILTERS = frozenset(["sort", "unique", "groupby", "dictsort", "max", "min"])
# Filters that build a list as long as their input.
LIST_FILTERS = frozenset(["list", "sort", "unique", "reverse", "dictsort", "items"])


def _checked(func, text_input: bool = False, keyed: bool = False, builds_list: bool = False):
    """``func`` with its result counted in the render's total; for a filter that writes
    its input as text, that text measured first; for one that makes a key of each item
    (``keyed``), the items' texts counted first."""
    passes_context = getattr(func, "jinja_pass_arg", None) is not None

    @functools.wraps(func)
    def checked(*args, **kwargs):
        value = args[1] if passes_context else args[0]
        if text_input:
            check_text(value, "writing that as text")
        if keyed:
            count_keys(value)
        if builds_list:
            check_room(value)
        return count_built(func(*args, **kwargs))

    return checked


def _center(value, width=80):
    check_text(value, "writing that as text")
    check_widths(width)
    return do_center(value, width)


def _indent(value, width=4, first=False, blank=False):
    check_text(value, "writing that as text")
    text = str(value)
    size = len(width) if isinstance(width, str) else width if integer(width) else 0
    if len(text) + size * (text.count("\n") + 1) > MAX_OUTPUT:
        raise too_big("that indent")
    return do_indent(value, width, first, blank)


def _format(value, *args, **kwargs):
    check_text(value, "writing that as text")
    check_percent(str(value), kwargs or args)
    return do_format(value, *args, **kwargs)


@pass_eval_context
def _replace(eval_ctx, value, old, new, count=None):
    check_text(value, "writing that as text")
    check_replace(str(value), old, new, count)
    return do_replace(eval_ctx, value, old, new, count)


@pass_eval_context
def _join(eval_ctx, value, d="", attribute=None):
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    return bounded_join(value, d, "joining those")


@pass_environment
def _wordwrap(environment, s, width=79, break_long_words=True, wrapstring=None, **kwargs):
    check_text(s, "writing that as text")
    text = str(s)
    wrap = environment.newline_sequence if wrapstring is None else wrapstring
    check_text(wrap, "writing that as text")
    # Two wrapped lines together are longer than the width (else they would be one).
    step = width if integer(width) and width > 0 else 1
    lines = 2 * len(text) // step + text.count("\n") + 2
    if len(text) + lines * len(str(wrap)) > MAX_OUTPUT:
        raise too_big("that wordwrap")
    return do_wordwrap(environment, s, width, break_long_words, wrapstring, **kwargs)


@pass_environment
def _sum(environment, iterable, attribute=None, start=0):
    """Numbers only: summing texts or lists would join them."""
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    total = _number_to_sum(start)
    for item in iterable:
        total += _number_to_sum(item)
    return total


def _number_to_sum(item):
    if not number(item):
        raise SecurityError(f"sum adds only numbers in a template, not a {type(item).__name__}")
    return item


def _batch(value, linecount, fill_with=None):
    check_count(linecount, "a batch size")
    return do_batch(value, linecount, fill_with)


def _slice(value, slices, fill_with=None):
    check_count(slices, "a slice count")
    return sync_do_slice(value, slices, fill_with)


def and_list(items, word: str = "and") -> str:
    """A list as a sentence reads it: "API", "API and Web", "API, Web and Mobile"."""
    check_text(word, "writing that as text")
    items = [items] if isinstance(items, str) else list(items)
    if len(items) < 3:
        return bounded_join(items, f" {word} ", "that list")
    head = bounded_join(items[:-1], ", ", "that list")
    return bounded_join([head, items[-1]], f" {word} ", "that list")


def _text_test(test):
    @functools.wraps(test)
    def checked(value, *args):
        check_text(value, "writing that as text")
        return test(value, *args)

    return checked


FILTERS_ALLOWED = {
    **{name: _checked(FILTERS[name], text_input=True) for name in TEXT_FILTERS},
    **{
        name: _checked(FILTERS[name], keyed=name in KEYED_FILTERS, builds_list=name in LIST_FILTERS)
        for name in DATA_FILTERS
    },
    **{
        name: _checked(func)
        for name, func in {
            "center": _center,
            "indent": _indent,
            "format": _format,
            "replace": _replace,
            "join": _join,
            "wordwrap": _wordwrap,
            "sum": _sum,
            "batch": _batch,
            "slice": _slice,
        }.items()
    },
    "and_list": _checked(and_list),
}
# pprint, urlize, xmlattr, tojson, urlencode, escape, safe …: each can write a text many
# times the size of its input (or marks it as HTML, which plain texts never are).
REFUSED_FILTERS = frozenset(FILTERS) - frozenset(FILTERS_ALLOWED)
TESTS_ALLOWED = {
    **TESTS,
    "lower": _text_test(TESTS["lower"]),
    "upper": _text_test(TESTS["upper"]),
}
