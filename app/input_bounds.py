"""Bounds on what a request may carry, checked before anything reaches SQL or a recursive
parser: ids in URLs and query strings, page numbers, JSON bodies.

Bad input answers 404 (an id that cannot exist) or 400 (a bad page number or body) and
changes nothing. The bound is the reason, not a database error caught afterwards, so
SQLite and PostgreSQL answer alike: SQLite's driver raises OverflowError past 64 bits,
PostgreSQL refuses an out-of-range bigint in LIMIT/OFFSET, and Python's JSON parser
raises RecursionError on deep nesting."""

from __future__ import annotations

import json
import re

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**63 - 1  # the largest PostgreSQL BIGINT and SQLite INTEGER
MAX_PAGE = 100_000  # offset pages of 25-50 rows: far past any list a person pages through
MAX_JSON_DEPTH = 64
MAX_JSON_BYTES = 1024 * 1024

# A JSON string (skipped whole, so brackets inside it do not count) or a bracket.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class IdConverter(IntegerConverter):
    """The app's ``int`` URL converter: an integer a database id column can hold. A bigger
    one matches no route, so the answer is 404 and no query is made."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = -MAX_ID - 1,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def id_arg(raw: str) -> int:
    """For ``request.args.getlist(name, type=id_arg)``: a whole number a database id can
    be; anything else raises ValueError, which Werkzeug takes as "no value"."""
    value = int(raw)
    if not 0 < value <= MAX_ID:
        raise ValueError(f"{raw!r} is not a database id")
    return value


def page_number(name: str = "page", maximum: int = MAX_PAGE, refuse: int = 400) -> int:
    """``?page=`` (or ``?<name>=``) as a whole number from 1 to ``maximum``, 1 when
    absent; anything else answers ``refuse`` (400 naming the parameter; a public page
    that has no such page says 404), before it becomes an OFFSET."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return 1
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum))) or not (
        1 <= int(raw) <= maximum
    ):
        if refuse == 404:
            abort(404)
        shown = raw if len(raw) <= 24 else raw[:24] + "…"
        abort(
            400,
            description=f"The page number must be a whole number from 1 to {maximum:,}, "
            f"not {shown!r}. Nothing was changed.",
        )
    return int(raw)


class BadJson(ValueError):
    """A body that is not JSON Herald will read; the message says why, for a person, and
    ``field`` names the top-level member at fault when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def read_json(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH):
    """Parse a JSON document from outside. Nesting deeper than ``max_depth`` is refused
    by counting brackets first, without recursion: Python's parser recurses per level
    and fails with RecursionError long before a body size cap would stop it."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")  # RFC 8259 §8.1: JSON between systems is UTF-8
        except UnicodeDecodeError:
            raise BadJson("The body is not valid JSON: it is not UTF-8 text.") from None
    depth = 0
    for token in _STRUCTURE.finditer(raw):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise BadJson(
                    f"The JSON is nested more than {max_depth} levels deep; Herald reads no deeper."
                )
        elif bracket in "]}":
            depth -= 1
    try:
        document = json.loads(raw)
    except ValueError as error:
        raise BadJson(f"The body is not valid JSON: {error}.") from None
    if "\\u0000" in raw.lower():
        found, field = _nul_in(document)
        if found:
            where = f"The {field!r} member" if field else "The body"
            raise BadJson(
                f"{where} contains a control character (U+0000, NUL), which Herald does not store.",
                field,
            )
    return document


NUL_MESSAGE = "The text contains a NUL character (\\u0000), which Herald does not store."
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_in(document) -> tuple[bool, str | None]:
    """Whether any key or string of a parsed document (already bounded in depth) holds a
    NUL character, and the top-level member it is in; walked with a stack."""
    top = document.items() if isinstance(document, dict) else [(None, document)]
    for field, member in top:
        stack = [field or "", member]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                if "\x00" in value:
                    return True, field if isinstance(field, str) and "\x00" not in field else None
            elif isinstance(value, dict):
                stack.extend(value.keys())
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
    return False, None


def refuse_nul() -> None:
    """A NUL character in an address, a query or a form answers 404 / 400 before any
    view: PostgreSQL text cannot hold one (its driver raises; SQLite would store it)."""
    if "\x00" in request.path:
        abort(404)
    if b"%00" in request.query_string or b"\x00" in request.query_string:
        abort(400, description=NUL_MESSAGE)
    posted = request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORM_TYPES
    if posted and request.mimetype == "application/x-www-form-urlencoded":
        # Keep the raw body: parsing the form consumes it, and the Slack app verifies
        # its signature over the raw bytes. (The form is then parsed from the copy.)
        request.get_data(cache=True)
    if posted and any("\x00" in v for values in request.form.listvalues() for v in values):
        abort(400, description=NUL_MESSAGE)
