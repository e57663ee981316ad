"""Each test builds its own app, and werkzeug compiles every URL rule's builder (about a
thousand rules, two builders each, through ``ast`` and ``compile``) for every new app:
about 0.2 s a test, most of the suite's set-up. A builder is a pure function of the
rule's text, its parsed parts and its defaults (it reads the converters from the rule it
is bound to when called), so the tests compile each one once and reuse it for every app.
"""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _cached_builder(self: Rule, append_unknown: bool = True):
    defaults = self.defaults or {}
    key = (
        self.rule,
        tuple(self._trace),
        tuple(sorted((name, repr(value)) for name, value in defaults.items())),
        append_unknown,
    )
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def reuse_compiled_builders() -> None:
    Rule._compile_builder = _cached_builder
