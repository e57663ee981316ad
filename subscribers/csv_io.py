"""Importing internal subscribers from CSV (``subscribers.csv_export`` writes them).

The columns are ``channel`` (email, sms, webhook; slack and chat_webhook for internal
audiences only), ``address``, ``audience`` (its key or
name), ``components`` (component or component group names separated by ``;``, empty for
every component) and ``team``; ``key_account`` (yes/no) and ``name`` are optional. An
export has the same columns and ``state``, so it can be imported again (``state`` is
ignored on import: staff cannot set it by file).

Each row goes through ``registry.add_internal`` (which normalises the address and checks
it), in a savepoint of its own: a rejected row leaves nothing behind. Imported subscribers
are active at once and a new one gets a short notice that says so. A dry run (``check
only``) does the same work inside a savepoint that is rolled back, so it changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.audit import Actor
from core.db import db
from core.directory import component_groups, components, teams
from core.errors import ServiceError
from subscribers import registry
from subscribers.audiences import all_audiences
from subscribers.models import CHANNELS, Audience, Subscriber
from subscribers.validation import normalise

REQUIRED_COLUMNS = ("channel", "address", "audience", "components", "team")
OPTIONAL_COLUMNS = ("key_account", "name", "state")
SEPARATOR = ";"
MAX_ROWS = 50_000
TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
# Cells that a spreadsheet would run as a formula get a leading apostrophe on export
# (phone numbers, "+" then digits, are left alone); an import takes it off again.
FORMULA_START = ("=", "@", "-", "+", "\t", "\r")
PHONE = re.compile(r"\+\d+")

ADDED, UPDATED, REJECTED = "added", "updated", "rejected"


@dataclass
class RowResult:
    line: int
    outcome: str
    reason: str
    channel: str = ""
    address: str = ""
    audience: str = ""


@dataclass
class Report:
    """What an import did (or, for a dry run, would do), row by row."""

    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    # Problems with the file as a whole (no header, not UTF-8 …): nothing was imported.
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def added(self) -> int:
        return self.count(ADDED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rejected

    def summary(self) -> str:
        if self.errors:
            return "The file was not imported: " + " ".join(self.errors)
        verb = "would be" if self.dry_run else "were"
        text = (
            f"{len(self.rows)} rows: {self.added} {verb} added, {self.updated} {verb} updated, "
            f"{self.rejected} {verb} rejected."
        )
        if self.dry_run:
            text += " Checked only: nothing was changed."
        return text


def _text_of(source) -> str:
    """The file's text: a str, bytes, or a text or binary file-like; UTF-8, BOM allowed."""
    if hasattr(source, "read"):
        source = source.read()
    if isinstance(source, bytes | bytearray):
        try:
            source = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ServiceError(
                "The file is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)”."
            ) from None
    return source.removeprefix("\ufeff")


def _cell(value: str) -> str:
    value = (value or "").strip()
    if value.startswith("'") and value[1:2] in FORMULA_START:
        value = value[1:]
    return value


class _Names:
    """Audiences, teams, components and component groups by lower-case name."""

    def __init__(self) -> None:
        every = list(all_audiences().values())
        self.audiences: dict[str, Audience] = {a.name.lower(): a for a in every}
        self.audiences.update({a.key.lower(): a for a in every})  # a key wins over a name
        self.teams = _by_name(teams)
        self.components = _by_name(components)
        self.groups = _by_name(component_groups)


def _by_name(directory) -> dict[str, int]:
    rows = db.session.execute(select(directory.c.id, directory.c.name))
    return {name.lower(): id_ for id_, name in rows}


def _parse_row(values: dict[str, str], names: _Names) -> tuple[dict, list[str]]:
    """Read one row's fields; returns the values to import and the problems found."""
    problems: list[str] = []
    parsed: dict = {"channel": values["channel"].lower()}
    if parsed["channel"] not in CHANNELS:
        problems.append(
            f"channel {values['channel']!r} is not one of {', '.join(CHANNELS)}"
            if values["channel"]
            else "channel is empty"
        )
    else:
        config = current_app.config
        try:
            parsed["address"] = normalise(
                parsed["channel"],
                values["address"],
                region=config["PHONE_REGION"],
                allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
            )
        except ServiceError as error:
            problems.append(error.message)
    audience = names.audiences.get(values["audience"].lower())
    if audience is None:
        problems.append(
            f"there is no audience called {values['audience']!r}"
            if values["audience"]
            else "audience is empty"
        )
    parsed["audience"] = audience
    team_id = None
    if values["team"]:
        team_id = names.teams.get(values["team"].lower())
        if team_id is None:
            problems.append(f"there is no team called {values['team']!r}")
    parsed["team_id"] = team_id
    component_ids, group_ids, unknown = [], [], []
    for name in filter(None, (n.strip() for n in values["components"].split(SEPARATOR))):
        key = name.lower()
        if key in names.components:
            component_ids.append(names.components[key])
        elif key in names.groups:
            group_ids.append(names.groups[key])
        else:
            unknown.append(name)
    if unknown:
        problems.append(
            f"there is no component called {unknown[0]!r}"
            if len(unknown) == 1
            else f"there are no components called {', '.join(repr(n) for n in unknown)}"
        )
    parsed["component_ids"], parsed["group_ids"] = component_ids, group_ids
    flag = values.get("key_account")
    if flag is not None and flag.lower() not in TRUE_WORDS | FALSE_WORDS:
        problems.append(f"key_account {flag!r} is not yes or no")
    parsed["key_account"] = None if flag is None else flag.lower() in TRUE_WORDS
    parsed["name"] = values.get("name")
    if parsed["name"] and len(parsed["name"]) > 120:
        problems.append("name can be at most 120 characters")
    return parsed, problems


def _selection_of(subscriber: Subscriber) -> tuple[bool, set, set]:
    return (
        subscriber.all_components,
        {s.component_id for s in subscriber.selections if s.component_id},
        {s.group_id for s in subscriber.selections if s.group_id},
    )


def _apply(parsed: dict, notify: bool) -> tuple[str, str]:
    """Add or update one subscriber; returns (outcome, reason)."""
    audience = parsed["audience"]
    existing = registry.find(parsed["channel"], parsed["address"], audience)
    before = None
    if existing is not None:
        before = (existing.team_id, existing.key_account, existing.name, _selection_of(existing))
    key_account = parsed["key_account"]
    if key_account is None:  # no such column: keep what the subscriber has
        key_account = existing.key_account if existing is not None else False
    subscriber, created = registry.add_internal(
        parsed["channel"],
        parsed["address"],
        audience.key,
        team_id=parsed["team_id"],
        component_ids=parsed["component_ids"],
        key_account=key_account,
        name=parsed["name"] or "",
        notify=notify,
    )
    if parsed["group_ids"]:
        registry.set_selection(subscriber, parsed["component_ids"], parsed["group_ids"])
    db.session.flush()
    if created:
        return ADDED, "active at once; a notice that says so " + (
            "was queued" if notify else "would be sent"
        )
    after = (subscriber.team_id, subscriber.key_account, subscriber.name, _selection_of(subscriber))
    labels = ("team", "key account", "name", "components")
    changed = [label for label, a, b in zip(labels, before, after, strict=True) if a != b]
    reason = f"changed {', '.join(changed)}" if changed else "no change"
    if subscriber.state == "pending":
        reason += " (still pending: the person has not confirmed the sign-up yet)"
    elif subscriber.state == "quarantined":
        reason += f" (still quarantined: {subscriber.state_reason}; release it in the admin)"
    return UPDATED, reason


def _read(text: str, report: Report):
    """Yield (line, values) of each data row, after checking the header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            report.errors.append("The file is empty; it needs a header row and some rows.")
            return
        columns = [cell.strip().lower().replace(" ", "_") for cell in header]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            report.errors.append(
                f"The first row must be the header {','.join(REQUIRED_COLUMNS)} "
                f"(missing: {', '.join(missing)})."
            )
            return
        repeated = sorted({c for c in columns if c and columns.count(c) > 1})
        if repeated:
            report.errors.append(f"The header names {', '.join(repeated)} more than once.")
            return
        unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if unknown:
            report.warnings.append(f"Ignored the columns {', '.join(unknown)}.")
        count = 0
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            if not any(cell.strip() for cell in row):
                continue
            count += 1
            if count > MAX_ROWS:
                report.errors.append(f"The file has more than {MAX_ROWS} rows; split it.")
                return
            if len(row) > len(columns):
                yield start, None, f"has {len(row)} fields, the header has {len(columns)}"
                continue
            row = row + [""] * (len(columns) - len(row))
            values = {c: _cell(v) for c, v in zip(columns, row, strict=True) if c}
            yield start, values, ""
    except csv.Error as error:
        report.errors.append(f"Line {reader.line_num}: the file is not valid CSV ({error}).")


def import_rows(source, dry_run: bool, *, actor: Actor | None = None) -> Report:
    """Import subscribers from CSV (str, bytes or a file-like). A dry run changes nothing.

    The caller commits; a file-level error (no header, not UTF-8 …) imports no row.
    """
    report = Report(dry_run=dry_run)
    try:
        text = _text_of(source)
    except ServiceError as error:
        report.errors.append(error.message)
        return report
    outer = db.session.begin_nested()
    try:
        names = _Names()
        seen: dict[tuple, int] = {}
        for line, values, problem in _read(text, report):
            if values is None:
                report.rows.append(RowResult(line, REJECTED, problem))
                continue
            result = RowResult(
                line,
                REJECTED,
                "",
                values["channel"].lower(),
                values["address"],
                values["audience"],
            )
            report.rows.append(result)
            parsed, problems = _parse_row(values, names)
            if problems:
                result.reason = "; ".join(problems)
                continue
            result.address = parsed["address"]
            key = (parsed["channel"], parsed["address"], parsed["audience"].id)
            if key in seen:
                result.reason = f"duplicate of line {seen[key]} (same address and audience)"
                continue
            seen[key] = line
            row = db.session.begin_nested()
            try:
                # A dry run queues no notice: nothing to wake a worker for afterwards.
                result.outcome, result.reason = _apply(parsed, notify=not dry_run)
                row.commit()
            except ServiceError as error:
                row.rollback()
                result.outcome, result.reason = REJECTED, error.message
            except IntegrityError:
                # Someone added the same address at the same moment: this row only.
                row.rollback()
                result.outcome = REJECTED
                result.reason = "it was changed by someone else at the same time; import it again"
        if report.errors:
            report.rows.clear()
        if dry_run or report.errors:
            outer.rollback()
        else:
            if report.rows:
                audit.record(
                    actor,
                    "subscriber.import",
                    None,
                    f"Imported subscribers: {report.added} added, {report.updated} updated, "
                    f"{report.rejected} rejected",
                )
            outer.commit()
    except BaseException:
        if outer.is_active:
            outer.rollback()
        raise
    return report
