"""Which component an alert names: its ``herald_component`` label (a component's
database id, public id or name, the name also case-insensitively), else the first of
its integration's rules whose matchers its labels meet.

A delivery resolves all of its alerts' labels with one read of the components they name
exactly (all of them only when a label must be matched in any case) and, only when a
label names none, one read of the rules: a busy Alertmanager's repeats cost no query
per alert.

An alert that matches no component is still taken and answered 2xx (Alertmanager drops a
delivery answered 4xx and retries a 5xx), but the answer and the integration's page say
why, with the component names closest to the value it gave (most often a typo): see
``why_unmatched``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select

from app.models import AlertRule, Component, Integration
from app.signals.alert_payloads import COMPONENT_LABEL
from core.db import db

MAX_LABEL = 200


def rule_matches(rule: AlertRule, labels: dict) -> bool:
    """Whether every matcher of ``rule`` equals the label of that name."""
    return all(labels.get(label) == wanted for label, wanted in rule.matchers.items())


class Targets:
    """The components and rules one delivery's alerts are matched against."""

    def __init__(self, integration: Integration, labels: set[str]) -> None:
        """``labels``: the ``herald_component`` values of the delivery's alerts."""
        self.integration = integration
        values = {value.strip() for value in labels if value and value.strip()}
        # Only what an id column can hold: a longer number is a name or nothing.
        ids = {int(v) for v in values if v.isdigit() and len(v) < 19 and int(v) < 2**31}
        rows = (
            db.session.execute(
                select(Component.id, Component.public_id, Component.name).where(
                    or_(
                        Component.public_id.in_(values),
                        Component.name.in_(values),
                        Component.id.in_(ids),
                    )
                )
            ).all()
            if values
            else []
        )
        self._by_public_id = {public_id: cid for cid, public_id, _ in rows}
        self._by_name = {name: cid for cid, _, name in rows}
        self._ids = {cid for cid, _, _ in rows}
        self._every: list[tuple[int, str]] | None = None
        self._by_folded_name: dict[str, int] | None = None
        self._rules: list[AlertRule] | None = None
        self._why: dict[tuple[str, str], Unmatched] = {}

    def named(self, value: str) -> int | None:
        """A ``herald_component`` label: a public id, then a name, then a database id,
        then a name in any case."""
        value = (value or "").strip()
        if not value:
            return None
        found = self._by_public_id.get(value) or self._by_name.get(value)
        if found is None and value.isdigit() and len(value) < 19 and int(value) in self._ids:
            found = int(value)
        return found if found is not None else self._folded().get(value.casefold())

    def _everyone(self) -> list[tuple[int, str]]:
        """Every component's id and name, read only when a label needs them."""
        if self._every is None:
            self._every = list(
                db.session.execute(select(Component.id, Component.name).order_by(Component.id))
            )
        return self._every

    def _folded(self) -> dict[str, int]:
        """Every component by its name in any case."""
        if self._by_folded_name is None:
            self._by_folded_name = {}
            for cid, name in self._everyone():
                self._by_folded_name.setdefault(name.casefold(), cid)
        return self._by_folded_name

    def why_unmatched(self, labels: dict) -> Unmatched:
        """Why an alert of this delivery matched no component (see ``why_unmatched``),
        worked out once per value: a delivery of many alerts usually repeats one typo."""
        value = (labels.get(COMPONENT_LABEL) or "").strip()
        key = (value, "" if value else (labels.get("alertname") or ""))
        if key not in self._why:
            names = [name for _, name in self._everyone()]
            self._why[key] = why_unmatched(labels, names, component_field(self.integration))
        return self._why[key]

    def rules(self) -> list[AlertRule]:
        if self._rules is None:
            self._rules = list(
                db.session.scalars(
                    select(AlertRule)
                    .where(AlertRule.integration_id == self.integration.id)
                    .order_by(AlertRule.position, AlertRule.id)
                )
            )
        return self._rules

    def component_for(self, labels: dict) -> int | None:
        """The ``herald_component`` label wins; then the first matching rule; else none
        (the alert is kept and shown as unmatched)."""
        if labels.get(COMPONENT_LABEL):
            found = self.named(labels[COMPONENT_LABEL])
            if found is not None:
                return found
        for rule in self.rules():
            if rule_matches(rule, labels):
                return rule.component_id
        return None


CLOSEST = 3


def component_field(integration: Integration) -> str:
    """What the integration's sender calls the component it names."""
    return "component" if integration.kind == "monitor" else COMPONENT_LABEL


@dataclass(frozen=True)
class Unmatched:
    """Why an alert matched no component, for a person: the ``herald_component`` value
    it gave ("" when none), the component names closest to it, the hint in words, and
    the ``label=value`` line a rule for it would start from."""

    value: str
    closest: list[str]
    hint: str
    rule: str


def closest_names(value: str, names: Iterable[str]) -> list[str]:
    """The component names nearest ``value`` in any case (difflib's ratio), best first."""
    by_folded: dict[str, str] = {}
    for name in names:
        by_folded.setdefault(name.casefold(), name)
    found = difflib.get_close_matches(value.strip().casefold(), list(by_folded), n=CLOSEST)
    return [by_folded[folded] for folded in found]


def why_unmatched(labels: dict, names: Iterable[str], field: str = COMPONENT_LABEL) -> Unmatched:
    """An alert with these labels matched no component, among components named
    ``names``: say what it named and what is closest, or that it named nothing and no
    rule matched. ``field``: what the sender calls the component (the monitor webhook's
    ``component``)."""
    value = (labels.get(COMPONENT_LABEL) or "").strip()
    if not value:
        alertname = (labels.get("alertname") or "").strip()
        return Unmatched(
            value="",
            closest=[],
            hint=f"no {field} given, and no rule of this integration matches its labels",
            rule=f"alertname={alertname}" if 0 < len(alertname) <= MAX_LABEL else "",
        )
    # A rule on the label itself names the component the label meant.
    rule = f"{COMPONENT_LABEL}={value}" if len(value) <= MAX_LABEL and "\n" not in value else ""
    value = value[:MAX_LABEL]  # no name is longer; the answer need not echo 10,000 characters
    closest = closest_names(value, names)
    return Unmatched(
        value=value,
        closest=closest,
        hint="no component with that id or name; "
        + (f"closest: {', '.join(closest)}" if closest else "no component name is close"),
        rule=rule,
    )
