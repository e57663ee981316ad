"""Which component an alert names: its ``herald_component`` label (a component's
database id, public id or name, the name also case-insensitively), else the first of
its integration's rules whose matchers its labels meet.

A delivery resolves all of its alerts' labels with one read of the components they name
exactly (all of them only when a label must be matched in any case) and, only when a
label names none, one read of the rules: a busy Alertmanager's repeats cost no query
per alert.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from app.models import AlertRule, Component, Integration
from app.signals.alert_payloads import COMPONENT_LABEL
from app.signals.alert_rules import rule_matches
from core.db import db


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
        self._by_folded_name: dict[str, int] | None = None
        self._rules: list[AlertRule] | None = None

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

    def _folded(self) -> dict[str, int]:
        """Every component by its name in any case, read only when a label needs it."""
        if self._by_folded_name is None:
            self._by_folded_name = {}
            for cid, name in db.session.execute(
                select(Component.id, Component.name).order_by(Component.id)
            ):
                self._by_folded_name.setdefault(name.casefold(), cid)
        return self._by_folded_name

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
