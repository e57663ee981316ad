"""What every test would compile again for its own app, compiled once per run.

Each test builds its own app, and a new app compiles from scratch:

- werkzeug compiles every URL rule's builder (about a thousand rules, two builders
  each, through ``ast`` and ``compile``): about 0.2 s a test. A builder is a pure
  function of the rule's text, its parsed parts and its defaults (it reads the
  converters from the rule it is bound to when called), so each is compiled once and
  reused for every app.
- Jinja parses and compiles each page template the first time an app renders it: about
  a quarter of a typical page test's time. Every app's environment is configured alike
  (the same options and extensions), so they share one in-memory bytecode cache; Jinja
  checks each entry against the template's source before using it.
"""

from __future__ import annotations

import flask
from jinja2 import BytecodeCache
from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}
_create_jinja_environment = flask.Flask.create_jinja_environment


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


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.entries:
            bucket.bytecode_from_string(self.entries[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.entries[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


def _environment_sharing_compiled_templates(self: flask.Flask):
    environment = _create_jinja_environment(self)
    environment.bytecode_cache = _TEMPLATES
    return environment


def compile_once() -> None:
    Rule._compile_builder = _cached_builder
    flask.Flask.create_jinja_environment = _environment_sharing_compiled_templates
