"""The default audiences: every database has them from its creation on.

A migrated database gets them from migration 0007; one built with ``create_all`` (tests,
benchmarks) from the table's ``after_create`` hook in ``subscribers.models``. Nothing
creates them on read."""

from __future__ import annotations

from sqlalchemy import insert, select

from subscribers.audiences import DEFAULT_CADENCE
from subscribers.models import Audience

# key, name, visibility, tone, needs approval, priority, default channels, description
DEFAULT_AUDIENCES = (
    (
        "executives",
        "Executives",
        "internal",
        "plain",
        False,
        10,
        ["email", "sms"],
        "Leadership: business impact, customers affected, tier-1 services, ETA.",
    ),
    (
        "support",
        "Support",
        "internal",
        "plain",
        False,
        20,
        ["email"],
        "Support staff: talking points and the workaround.",
    ),
    (
        "engineering",
        "Engineering",
        "internal",
        "technical",
        False,
        30,
        ["email", "webhook"],
        "Engineers: the technical detail.",
    ),
    (
        "customers",
        "Customers",
        "public",
        "plain",
        True,
        40,
        ["email", "sms", "webhook"],
        "Public subscribers of the status page.",
    ),
    (
        "press",
        "Press",
        "public",
        "plain",
        True,
        50,
        ["email"],
        "Journalists and analysts: a short formal statement.",
    ),
    (
        "teams",
        "Teams",
        "internal",
        "plain",
        False,
        30,
        ["email", "sms"],
        "Every team that owns services: each reads the update and, under it, the state of "
        "its own services as the pages show them when it is sent (not affected, or which "
        "are and why).",
    ),
    (
        "staff",
        "Staff notices",
        "internal",
        "plain",
        False,
        5,
        ["email"],
        "Herald's own notices to the people running an incident (overdue updates).",
    ),
)


def default_audience_rows() -> list[dict]:
    return [
        {
            "key": key,
            "name": name,
            "visibility": visibility,
            "tone": tone,
            "needs_approval": approval,
            "priority": priority,
            "default_channels": channels,
            "cadence": dict(DEFAULT_CADENCE),
            "description": description,
        }
        for key, name, visibility, tone, approval, priority, channels, description in (
            DEFAULT_AUDIENCES
        )
    ]


def install_default_audiences(connection) -> None:
    """Insert the default audiences that the table lacks (never changes an edited one)."""
    existing = set(connection.scalars(select(Audience.key)))
    rows = [row for row in default_audience_rows() if row["key"] not in existing]
    if rows:
        connection.execute(insert(Audience.__table__), rows)
