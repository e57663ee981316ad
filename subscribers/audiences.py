"""The default audiences and looking them up."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from subscribers.models import Audience

DEFAULT_CADENCE = {"critical": 30, "major": 60, "minor": 120, "none": 240}

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
)


def ensure_default_audiences() -> dict[str, Audience]:
    """Create any missing default audience (never changes an edited one)."""
    existing = {a.key: a for a in db.session.scalars(select(Audience))}
    for key, name, visibility, tone, approval, priority, channels, description in DEFAULT_AUDIENCES:
        if key not in existing:
            audience = Audience(
                key=key,
                name=name,
                visibility=visibility,
                tone=tone,
                needs_approval=approval,
                priority=priority,
                default_channels=channels,
                cadence=dict(DEFAULT_CADENCE),
                description=description,
            )
            db.session.add(audience)
            existing[key] = audience
    db.session.flush()
    return existing


def get_audience(key: str) -> Audience:
    """The audience with this key; the defaults are created on first use."""
    audience = db.session.scalar(select(Audience).where(Audience.key == key))
    if audience is None:
        audience = ensure_default_audiences().get(key)
    if audience is None:
        raise LookupError(f"no audience {key!r}")
    return audience
