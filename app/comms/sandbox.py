"""The sandbox staff templates render in: Jinja's SandboxedEnvironment (no reaching into
the application), plus limits on what a template may build and how long it may run, so
that no template, by mistake or on purpose, can eat the memory or the CPU of the process
that publishes.

A template gets a whitelist: the filters and tests of ``app.comms.template_filters``,
the methods in ALLOWED_METHODS, and the globals range (capped by Jinja's sandbox), dict,
cycler, joiner and namespace. Every way it has of building a large text is measured
before the text is built (``app.comms.template_limits``): repeating with ``*``, joining
with ``+``, ``~``, ``join`` or a block, padding, formatting, replacing, writing a list
as text; numbers are capped in size; all the text one render builds is counted; the
rendered text is cut off past MAX_OUTPUT; and a trace budget stops a template (or what
it calls) that runs too long.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from functools import lru_cache

from jinja2 import StrictUndefined
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from app.comms.template_filters import FILTERS_ALLOWED, REFUSED_FILTERS, TESTS_ALLOWED
from app.comms.template_limits import (
    MAX_OUTPUT,
    BoundedFormatter,
    bounded_join,
    check_bits,
    check_expandtabs,
    check_percent,
    check_repeat,
    check_replace,
    check_text,
    check_widths,
    count_built,
    integer,
    start_counting,
    stop_counting,
    too_big,
)

# How long a template may run: lines of template code executed, and seconds of this
# thread's CPU (in the template's code and in whatever it calls), per field. A loop that
# writes nothing ("{% for a in range(99999) %}{% for b in range(99999) %}…") is stopped
# here, not left to spin in the process that publishes.
MAX_STEPS = 200_000
MAX_SECONDS = 1.0

# The methods of texts, lists and mappings a template may call: those whose result is
# no larger than their input, and those checked before they run (padding, join,
# replace, expandtabs; format and format_map go through BoundedFormatter). Anything
# else on these types (translate, encode, append …) is refused by name.
PADDING_METHODS = frozenset(["center", "ljust", "rjust", "zfill"])
STR_METHODS = PADDING_METHODS | frozenset(
    [
        "capitalize",
        "casefold",
        "count",
        "endswith",
        "expandtabs",
        "find",
        "format",
        "format_map",
        "index",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "isidentifier",
        "islower",
        "isnumeric",
        "isprintable",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rindex",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
    ]
)
ALLOWED_METHODS = (
    (str, STR_METHODS),
    (dict, frozenset(["get", "items", "keys", "values"])),
    ((list, tuple), frozenset(["count", "index"])),
)
DATA_TYPES = (str, bytes, bytearray, list, tuple, dict, set, frozenset, int, float, complex, range)


def _allowed_method(obj, name: str) -> bool:
    return any(name in names for types, names in ALLOWED_METHODS if isinstance(obj, types))


class _Generator(CodeGenerator):
    """Compiles ``a ~ b`` to a checked join instead of Jinja's unchecked one, and refuses
    Jinja's filters that are not allowed by name, when the template is compiled."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.checked_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_Filter(self, node, frame) -> None:
        if node.name in REFUSED_FILTERS:
            self.fail(
                f"the filter {node.name!r} is not allowed in a template: it can write a "
                "text of any size",
                node.lineno,
            )
        super().visit_Filter(node, frame)


def _finalize(value):
    """What ``{{ … }}`` writes: a list or a mapping is measured before it is written."""
    check_text(value, "writing that as text")
    return value


class _Environment(SandboxedEnvironment):
    """No autoescape: these are plain texts (Markdown for the page); the page's Markdown
    renderer escapes HTML when the text is shown.

    ``*``, ``**``, ``+`` and ``%`` go through ``call_binop`` (and are never folded at
    compile time), so that "{{ 'x' * 10**9 }}" or "{{ 10 ** 10**8 }}" is refused instead
    of eating the memory or the CPU of the process that renders it. Methods of texts,
    lists and mappings are limited to ALLOWED_METHODS; the texts of blocks, macros and
    "{% set %}…{% endset %}" are joined by ``concat``, which measures them first."""

    code_generator_class = _Generator
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def is_safe_attribute(self, obj, attr: str, value) -> bool:
        # A type's own methods (dict.update(d, …), dict.fromkeys(…)) would skip the
        # whitelist of the instances' methods.
        if isinstance(obj, type) or not super().is_safe_attribute(obj, attr, value):
            return False
        return _allowed_method(obj, attr) or not isinstance(obj, DATA_TYPES)

    def unsafe_undefined(self, obj, attribute: str):
        if attribute.startswith("_") or not isinstance(obj, DATA_TYPES):
            return super().unsafe_undefined(obj, attribute)
        return self.undefined(
            f"{type(obj).__name__}.{attribute} is not allowed in a template: it is unsafe "
            "or can build a text of any size",
            name=attribute,
            obj=obj,
            exc=SecurityError,
        )

    def call_binop(self, context, operator: str, left, right):
        if operator == "*":
            check_repeat(left, right)
            check_repeat(right, left)
            if integer(left) and integer(right):
                check_bits(abs(left).bit_length() + abs(right).bit_length())
        elif operator == "**" and integer(left) and integer(right) and right > 0:
            check_bits(right * math.log2(abs(left) or 1))
        elif operator == "+" and isinstance(left, (str, list, tuple)):
            if isinstance(right, (str, list, tuple)) and len(left) + len(right) > MAX_OUTPUT:
                raise too_big("joining those")
        elif operator == "%" and isinstance(left, str):
            check_percent(left, right)
        return count_built(super().call_binop(context, operator, left, right))

    def checked_join(self, parts) -> str:
        return bounded_join(parts, "", "joining those with ~")

    def concat(self, pieces) -> str:
        return bounded_join(pieces, "", "the text of that block, macro or set")

    def call(__self, __context, __obj, *args, **kwargs):
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name == "join" and len(args) == 1 and not kwargs:
                return bounded_join(args[0], owner, "that join")
            if name in PADDING_METHODS:
                check_widths(*args, *kwargs.values())
            elif name == "expandtabs":
                check_expandtabs(owner, *args, **kwargs)
            elif name == "replace":
                check_replace(owner, *args, **kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return count_built(result, new_items=isinstance(owner, str))

    def wrap_str_format(self, value):
        """``str.format`` and ``format_map``, as Jinja's sandbox wraps them, but through
        BoundedFormatter, which measures every field before writing it."""
        if super().wrap_str_format(value) is None:
            return None
        text, is_format_map = value.__self__, value.__name__ == "format_map"

        def checked(*args, **kwargs):
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return str(BoundedFormatter(self).vformat(text, args, kwargs))

        return checked


ENV = _Environment(
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_finalize,
)
ENV.filters = dict(FILTERS_ALLOWED)
ENV.tests = dict(TESTS_ALLOWED)
# lorem ipsum builds its text in Python, outside the checks: not offered.
del ENV.globals["lipsum"]


@lru_cache(maxsize=512)
def compiled(text: str):
    return ENV.from_string(text)


class _Budget:
    """A trace function that counts the lines the template's own code runs (frames Jinja
    compiled, named "<template>") and stops it past MAX_STEPS lines or MAX_SECONDS of
    this thread's CPU. Python calls it only in this thread, only while the template
    renders."""

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.calls = 0
        self.deadline = time.thread_time() + MAX_SECONDS

    def enter(self, frame, event, arg):
        if frame.f_code.co_filename == "<template>":
            return self.line
        # Python code the template calls (a filter, a loop's iterator) is not counted in
        # steps, but its CPU time is: the clock is read every 64 calls into it.
        self.calls += 1
        if self.calls & 63 == 0:
            self.check_clock()
        return None

    def line(self, frame, event, arg):
        if event == "line":
            self.steps -= 1
            if self.steps < 0:
                self.stop()
            # The clock is read every 256 lines: reading a thread's CPU time costs more
            # than counting.
            if self.steps & 255 == 0:
                self.check_clock()
        return self.line

    def check_clock(self) -> None:
        if time.thread_time() > self.deadline:
            self.stop()

    def stop(self):
        raise SecurityError(
            f"the template runs too long (more than {MAX_STEPS:,} steps or "
            f"{MAX_SECONDS:g} s of work); a template may not loop that much"
        )


def render_text(text: str, context: dict) -> str:
    """Render one template text within the limits: refused past MAX_OUTPUT characters
    written (a loop that prints forever is cut off, not buffered), past MAX_BUILT
    characters built, or past its budget of steps and CPU."""
    parts, size = [], 0
    template = compiled(text)
    previous = sys.gettrace()
    counting = start_counting()
    # The budget is the template's own work: a garbage collection that its allocations
    # set off would count against it (a full one, in a large process, takes a good part
    # of a second) and run its weakref callbacks under the budget's trace. What a
    # template may build is bounded (MAX_BUILT), so collecting after it is safe.
    collecting = gc.isenabled()
    gc.disable()
    sys.settrace(_Budget().enter)
    try:
        for piece in template.generate(**context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise SecurityError(
                    f"the rendered text is longer than {MAX_OUTPUT:,} characters; "
                    "a template may not write that much"
                )
            parts.append(piece)
    finally:
        sys.settrace(previous)
        if collecting:
            gc.enable()
        stop_counting(counting)
    return "".join(parts)
