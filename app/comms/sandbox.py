"""The sandbox staff templates render in: Jinja's SandboxedEnvironment (no reaching into
the application), plus limits on what a template may build and how long it may run, so
that no template, by mistake or on purpose, can eat the memory or the CPU of the process
that publishes.

Every way of building a large text is checked before it is built: repeating with ``*``,
joining with ``+`` or ``~``, padding (``center``, ``ljust``, ``indent``, ``'%9999999d'``,
``'{:>9999999}'``), ``replace``; numbers are capped in size; the rendered text is cut
off past MAX_OUTPUT; and a trace budget stops a loop that writes nothing.
"""

from __future__ import annotations

import math
import re
import sys
import time
from functools import lru_cache

from jinja2 import StrictUndefined
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.filters import do_center, do_format, do_indent, do_replace
from jinja2.sandbox import SandboxedEnvironment

MAX_TEMPLATE = 20_000
# What a template may build: a text or a list repeated with "*" at most this long, a
# number of at most this many bits (1,233 digits), and each text it builds or renders at
# most this many characters. A template that asks for more is refused, not rendered.
MAX_REPEAT = 10_000
MAX_NUMBER_BITS = 4_096
MAX_OUTPUT = 50_000
# And how long it may run: lines of template code executed, and seconds of this thread's
# CPU, per field. A loop that writes nothing ("{% for a in range(99999) %}{% for b in
# range(99999) %}…") is stopped here, not left to spin in the process that publishes.
MAX_STEPS = 200_000
MAX_SECONDS = 1.0

PADDING_METHODS = frozenset(["center", "ljust", "rjust", "zfill", "expandtabs"])
# A width or precision in a format string: "%-12.3f", "{:>12}", "{0:^{1}}".
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?[a-zA-Z%]?")
BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")
NESTED_SPEC = re.compile(r"\{[^{}]*:[^{}]*\{")


def _too_big(what: str) -> SecurityError:
    return SecurityError(
        f"{what} makes a text of more than {MAX_OUTPUT:,} characters; "
        "a template may not build that much"
    )


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_repeat(sequence, times) -> None:
    repeats = isinstance(sequence, (str, list, tuple)) and _integer(times)
    if repeats and len(sequence) * times > MAX_REPEAT:
        raise SecurityError(
            f"repeating a text or a list that many times makes more than {MAX_REPEAT:,} "
            "characters or items; a template may not build that much"
        )


def _check_bits(bits: float) -> None:
    if bits > MAX_NUMBER_BITS:
        raise SecurityError(
            f"that calculation makes a number of more than {MAX_NUMBER_BITS:,} bits; "
            "a template may not build numbers that large"
        )


def _check_widths(*values) -> None:
    """No width, count or tab size beyond what a text may hold."""
    for value in values:
        if _integer(value) and value > MAX_OUTPUT:
            raise _too_big(f"a width of {value:,}")


def _check_format_string(text: str, args=()) -> None:
    """No width or precision beyond what a text may hold, written in the format or, for
    "%*d" and "{:{}}", given as an argument."""
    from_args = False
    for match in PERCENT_SPEC.finditer(text):
        for number in match.groups():
            if number == "*":
                from_args = True
            elif number and int(number) > MAX_OUTPUT:
                raise _too_big(f"the format {match.group(0)!r}")
    for match in BRACE_SPEC.finditer(text):
        for number in re.findall(r"\d+", match.group(1)):
            if int(number) > MAX_OUTPUT:
                raise _too_big(f"the format {match.group(0)!r}")
    if from_args or NESTED_SPEC.search(text):
        _check_widths(*(args if isinstance(args, (tuple, list)) else (args,)))


def _check_replace(text: str, old, new, count=None) -> None:
    old, new = str(old), str(new)
    times = text.count(old) if old else len(text) + 1
    if _integer(count) and count >= 0:
        times = min(times, count)
    if len(text) + times * (len(new) - len(old)) > MAX_OUTPUT:
        raise _too_big("that replace")


class _Generator(CodeGenerator):
    """Compiles ``a ~ b`` to a checked join instead of Jinja's unchecked one."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.checked_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Environment(SandboxedEnvironment):
    """No autoescape: these are plain texts (Markdown for the page); the page's Markdown
    renderer escapes HTML when the text is shown.

    ``*``, ``**``, ``+`` and ``%`` go through ``call_binop`` (and are never folded at
    compile time), so that "{{ 'x' * 10**9 }}" or "{{ 10 ** 10**8 }}" is refused instead
    of eating the memory or the CPU of the process that renders it."""

    code_generator_class = _Generator
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def call_binop(self, context, operator: str, left, right):
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
            if _integer(left) and _integer(right):
                _check_bits(abs(left).bit_length() + abs(right).bit_length())
        elif operator == "**" and _integer(left) and _integer(right) and right > 0:
            _check_bits(right * math.log2(abs(left) or 1))
        elif operator == "+" and isinstance(left, (str, list, tuple)):
            if isinstance(right, (str, list, tuple)) and len(left) + len(right) > MAX_OUTPUT:
                raise _too_big("joining those")
        elif operator == "%" and isinstance(left, str):
            _check_format_string(left, right)
        return super().call_binop(context, operator, left, right)

    def checked_join(self, parts) -> str:
        texts = [str(part) for part in parts]
        if sum(map(len, texts)) > MAX_OUTPUT:
            raise _too_big("joining those with ~")
        return "".join(texts)

    def call(__self, __context, __obj, *args, **kwargs):
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name in PADDING_METHODS:
                _check_widths(*args, *kwargs.values())
            elif name == "replace":
                _check_replace(owner, *args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        """``str.format`` and ``format_map`` reach templates through Jinja's own wrapper
        (a sandboxed formatter); check the format string and the arguments first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text = value.__self__

        def checked(*args, **kwargs):
            _check_format_string(text, (*args, *kwargs.values()))
            return wrapped(*args, **kwargs)

        return checked


def _center(value, width=80):
    _check_widths(width)
    return do_center(value, width)


def _indent(value, width=4, first=False, blank=False):
    lines = str(value).count("\n") + 1
    size = len(width) if isinstance(width, str) else width if _integer(width) else 0
    if size * lines > MAX_OUTPUT:
        raise _too_big("that indent")
    return do_indent(value, width, first, blank)


def _format(value, *args, **kwargs):
    _check_format_string(str(value), args)
    return do_format(value, *args, **kwargs)


def _replace(eval_ctx, value, old, new, count=None):
    _check_replace(str(value), old, new, count)
    return do_replace(eval_ctx, value, old, new, count)


_replace.jinja_pass_arg = do_replace.jinja_pass_arg  # type: ignore[attr-defined]


def and_list(items, word: str = "and") -> str:
    """A list as a sentence reads it: "API", "API and Web", "API, Web and Mobile"."""
    items = [items] if isinstance(items, str) else [str(item) for item in items]
    if len(items) < 3:
        return f" {word} ".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


ENV = _Environment(
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(
    center=_center, indent=_indent, format=_format, replace=_replace, and_list=and_list
)


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
        self.deadline = time.thread_time() + MAX_SECONDS

    def enter(self, frame, event, arg):
        return self.line if frame.f_code.co_filename == "<template>" else None

    def line(self, frame, event, arg):
        if event == "line":
            self.steps -= 1
            # The clock is read every 256 lines: reading a thread's CPU time costs more
            # than counting.
            if self.steps < 0 or (self.steps & 255 == 0 and time.thread_time() > self.deadline):
                raise SecurityError(
                    f"the template runs too long (more than {MAX_STEPS:,} steps or "
                    f"{MAX_SECONDS:g} s of work); a template may not loop that much"
                )
        return self.line


def render_text(text: str, context: dict) -> str:
    """Render one template text within the limits: refused past MAX_OUTPUT characters
    (a loop that prints forever is cut off, not buffered) or past its budget."""
    parts, size = [], 0
    template = compiled(text)
    previous = sys.gettrace()
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
    return "".join(parts)
