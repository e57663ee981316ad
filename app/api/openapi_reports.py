"""The reports' part of the OpenAPI document (app/api/openapi.py): incident metrics and
service credits. A component's SLA fields are in its schema (app/api/openapi_schemas.py)."""

from __future__ import annotations

from app.api.openapi_schemas import BOOL, INT, STR, array, obj, ok, operation, ref
from core.vocab import IMPACTS

NUMBER = {"type": "number"}
NULL_NUMBER = {"type": ["number", "null"]}
TIMING = obj(
    {"count": INT, "median_seconds": NULL_NUMBER, "mean_seconds": NULL_NUMBER},
    ["count", "median_seconds", "mean_seconds"],
)
FIGURES = {
    "incidents": INT,
    "by_impact": obj(dict.fromkeys(IMPACTS, INT)),
    "signal_to_declaration": TIMING,
    "declaration_to_first_public_update": TIMING,
    "declaration_to_resolution": TIMING,
    "cadence": obj(
        {"updates": INT, "on_cadence": INT, "share": NULL_NUMBER},
        ["updates", "on_cadence", "share"],
    ),
    "roll_calls": obj(
        {
            "asked": INT,
            "answered": INT,
            "median_seconds": NULL_NUMBER,
            "mean_seconds": NULL_NUMBER,
        }
    ),
}
# A customer owed a credit: a subscriber (one address), or a private page (one customer,
# however many viewers read it).
SUBSCRIBER_CUSTOMER = {
    "kind": {"const": "subscriber"},
    "address": STR,
    "name": STR,
    "channel": STR,
    "audience": STR,
    "key_account": BOOL,
}
PAGE_CUSTOMER = {
    "kind": {"const": "private_page"},
    "page": {"type": "string", "description": "The page's slug (/p/<slug>)"},
    "name": STR,
    "viewers": {**array(STR), "description": "The viewers' email addresses, in order"},
}


def _customer(extra: dict | None = None) -> dict:
    """Either kind of customer, told apart by ``kind`` (with ``extra`` fields on both)."""
    extra = extra or {}
    return {
        "oneOf": [
            obj(
                {**SUBSCRIBER_CUSTOMER, **extra},
                ["kind", "address", "name", "channel", "audience", "key_account", *extra],
            ),
            obj({**PAGE_CUSTOMER, **extra}, ["kind", "page", "name", "viewers", *extra]),
        ],
        "discriminator": {"propertyName": "kind"},
    }


SCHEMAS = {
    "Metrics": obj(
        {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            **FIGURES,
            "by_component": array(obj({"id": STR, "name": STR, "incidents": INT})),
            "months": array(
                obj(
                    {
                        "month": {"type": "string", "description": "YYYY-MM"},
                        **FIGURES,
                        "change": {
                            "type": "object",
                            "description": "Difference from the month before, per figure "
                            "(empty for the first month; null where either has no figure)",
                            "additionalProperties": NULL_NUMBER,
                        },
                    }
                )
            ),
        },
        ["from", "to", "incidents", "by_impact", "by_component", "months"],
    ),
    "ServiceCredits": obj(
        {
            "month": {"type": "string", "description": "YYYY-MM"},
            "components": array(
                obj(
                    {
                        "id": STR,
                        "name": STR,
                        "sla_percent": NUMBER,
                        "availability_percent": NULL_NUMBER,
                        "breach": BOOL,
                        "credit_percent": NULL_NUMBER,
                        "customers": array(_customer()),
                    }
                )
            ),
            "customers": array(
                _customer(
                    {"credits": array(obj({"id": STR, "name": STR, "credit_percent": NULL_NUMBER}))}
                )
            ),
        },
        ["month", "components", "customers"],
    ),
}

FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"enum": ["json", "csv"], "default": "json"},
}


def _date(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "date"},
        "description": description,
    }


def _answer(description: str, schema: dict) -> dict:
    """A JSON answer that ?format=csv turns into CSV."""
    found = ok(description, schema)
    found["200"]["content"]["text/csv"] = {"schema": STR}
    return found


PATHS = {
    "/metrics": {
        "get": operation(
            "Incident metrics for a period: incidents by impact and component, time from "
            "first signal to declaration, to the first public update and to resolution, "
            "the share of updates on cadence, roll-call answer times, per month with the "
            "change from the month before. A bad date, or from after to, answers 400",
            "view_admin",
            _answer("The metrics (CSV with ?format=csv: one row per month)", ref("Metrics")),
            parameters=[
                _date("from", "First day (inclusive); default: two months before to, day 1"),
                _date("to", "Last day (inclusive); default: today"),
                FORMAT,
            ],
        ),
    },
    "/service-credits": {
        "get": operation(
            "Service credits for a month: each component with an SLA, its availability "
            "(the uptime roll-up with the page's weights), breach and credit, and the "
            "customers tied to it: subscribers by address, private pages by slug and name "
            "with their viewers. A malformed or future month answers 400",
            "view_admin",
            _answer(
                "The credits (CSV with ?format=csv: one row per component and customer, "
                "columns component, month, availability_percent, sla_percent, breach, "
                "credit_percent, customer_kind (subscriber or private_page) and customer "
                "(the address, or the page's name))",
                ref("ServiceCredits"),
            ),
            parameters=[
                {
                    "name": "month",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "description": "YYYY-MM; default: last month",
                },
                FORMAT,
            ],
        ),
    },
}
