"""A component's SLA terms: the ``sla_percent`` it promises and the ``credit_tiers`` owed
when it misses, read from the admin form's text or the API's JSON and checked before
they are stored, so app/reports/credits.py only ever computes with clean terms.
"""

from __future__ import annotations

import math

from app.models import Component
from core.errors import ServiceError

MAX_TIERS = 10


def _number(value, what: str, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ServiceError(f"{what} must be a number.", field_name)
    try:
        number = float(value)
    except ValueError:
        raise ServiceError(f"{what} must be a number; got {value!r}.", field_name) from None
    if not math.isfinite(number):
        raise ServiceError(f"{what} must be a number; got {value!r}.", field_name)
    return number


def parse_tier_lines(text: str) -> list[dict]:
    """The admin form's tiers, one ``below=credit`` a line ("99.9=10"), into the stored
    shape. Blank lines are skipped; the ``%`` sign is allowed."""
    tiers = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.replace("%", "").strip()
        if not line:
            continue
        below, sep, credit = line.partition("=")
        if not sep or not below.strip() or not credit.strip():
            raise ServiceError(
                f"Credit tiers, line {number}: write below=credit, like 99.9=10; got {line!r}.",
                "credit_tiers",
            )
        tiers.append(
            {
                "below": _number(below.strip(), f"Credit tiers, line {number}", "credit_tiers"),
                "credit": _number(credit.strip(), f"Credit tiers, line {number}", "credit_tiers"),
            }
        )
    return tiers


def tier_lines(tiers: list[dict] | None) -> str:
    """The stored tiers as the form shows them."""
    return "\n".join(f"{plain_number(t['below'])}={plain_number(t['credit'])}" for t in tiers or ())


def plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_sla(sla, tiers) -> tuple[float | None, list[dict]]:
    """Validate an SLA and its credit tiers; returns them cleaned (tiers sorted from the
    highest ``below``). The SLA is 0 < sla ≤ 100 or none; each tier's ``below`` is at most
    the SLA (a credit above the promise would be owed while the promise is kept) and
    above 0; each credit is 0–100 %; no two tiers share a ``below``."""
    if sla is not None:
        sla = _number(sla, "The SLA", "sla_percent")
        if not 0 < sla <= 100:
            raise ServiceError("The SLA must be above 0 % and at most 100 %.", "sla_percent")
    if tiers is None:
        tiers = []
    if not isinstance(tiers, list):
        raise ServiceError(
            'Credit tiers must be a list like [{"below": 99.9, "credit": 10}].', "credit_tiers"
        )
    if tiers and sla is None:
        raise ServiceError("Credit tiers need an SLA to apply to.", "credit_tiers")
    if len(tiers) > MAX_TIERS:
        raise ServiceError(f"At most {MAX_TIERS} credit tiers.", "credit_tiers")
    cleaned = []
    for tier in tiers:
        if not isinstance(tier, dict) or set(tier) != {"below", "credit"}:
            raise ServiceError(
                'Each credit tier is {"below": <percent>, "credit": <percent>}.', "credit_tiers"
            )
        below = _number(tier["below"], "A tier's below", "credit_tiers")
        credit = _number(tier["credit"], "A tier's credit", "credit_tiers")
        if not 0 < below <= sla:
            raise ServiceError(
                f"A tier's below must be above 0 and at most the SLA ({plain_number(sla)} %); "
                f"got {plain_number(below)}.",
                "credit_tiers",
            )
        if not 0 <= credit <= 100:
            raise ServiceError(
                f"A tier's credit must be 0–100 %; got {plain_number(credit)}.", "credit_tiers"
            )
        cleaned.append({"below": below, "credit": credit})
    belows = [t["below"] for t in cleaned]
    if len(set(belows)) != len(belows):
        raise ServiceError("Two credit tiers have the same below.", "credit_tiers")
    return sla, sorted(cleaned, key=lambda t: -t["below"])


def clean_sla_values(values: dict, component: Component | None = None) -> None:
    """Check ``sla_percent`` and ``credit_tiers`` in a component's new values (in place),
    against the component's present ones for the one not given."""
    if "sla_percent" not in values and "credit_tiers" not in values:
        return
    if isinstance(values.get("sla_percent"), str):  # the admin form's text
        values["sla_percent"] = values["sla_percent"].replace("%", "").strip() or None
    if isinstance(values.get("credit_tiers"), str):
        values["credit_tiers"] = parse_tier_lines(values["credit_tiers"])
    sla = values.get("sla_percent", component.sla_percent if component else None)
    tiers = values.get("credit_tiers", component.credit_tiers if component else None)
    sla, tiers = check_sla(sla, tiers)
    if "sla_percent" in values:
        values["sla_percent"] = sla
    if "credit_tiers" in values or (component and tiers != (component.credit_tiers or [])):
        values["credit_tiers"] = tiers
