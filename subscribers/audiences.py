"""The default audiences and looking them up."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import ServiceError
from core.vocab import IMPACTS
from subscribers.channels import slack_api
from subscribers.models import CHANNELS, PUBLIC_CHANNELS, TONES, Audience

# How often, in minutes, each impact wants an update unless the audience says otherwise.
DEFAULT_CADENCE = {"critical": 30, "major": 60, "minor": 120, "none": 240}
# Audiences people can be subscribed to (staff notices go to staff accounts only).
SUBSCRIBABLE = ("executives", "support", "engineering", "customers", "press")


def all_audiences() -> dict[str, Audience]:
    """Every audience by key."""
    return {a.key: a for a in db.session.scalars(select(Audience))}


def get_audience(key: str) -> Audience:
    """The audience with this key."""
    audience = db.session.scalar(select(Audience).where(Audience.key == key))
    if audience is None:
        raise LookupError(f"no audience {key!r}")
    return audience


AUDIENCE_LIMITS = {
    "priority": (0, 1000),
    "cadence": (5, 24 * 60),
    "sms_max_segments": (1, 10),
    "page_max_chars": (100, 20_000),
}
AUDIENCE_FIELDS = (
    "name",
    "description",
    "visibility",
    "tone",
    "needs_approval",
    "default_channels",
    "priority",
    "cadence",
    "sms_max_segments",
    "page_max_chars",
)
# Audiences whose visibility other parts rely on: the public page shows the customers
# text; staff notices are about running the incident.
FIXED_VISIBILITY = {
    "customers": "public",
    "press": "public",
    "staff": "internal",
    "teams": "internal",  # the teams of the company
}
# Chat destinations are shared rooms staff add for internal audiences and teams
# (subscribers.registry.add_internal refuses them for a public audience), so a public
# audience cannot have them as default channels either.
STAFF_ONLY_CHANNELS = tuple(c for c in CHANNELS if c not in PUBLIC_CHANNELS)


def offered_channels(visibility: str | None = None) -> tuple[str, ...]:
    """The channels an audience may have as defaults: not Slack while Slack is not set
    up (every delivery would fail), and no chat destination for a public audience."""
    channels = CHANNELS
    if not slack_api.configured(current_app.config):
        channels = tuple(c for c in channels if c != "slack")
    if visibility == "public":
        channels = tuple(c for c in channels if c not in STAFF_ONLY_CHANNELS)
    return channels


def _whole(value, label: str, field: str, limits: tuple[int, int]) -> int:
    low, high = limits
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise ServiceError(f"{label} must be a whole number.", field) from None
    if not low <= value <= high:
        raise ServiceError(f"{label} must be between {low} and {high}.", field)
    return value


def update_audience(actor, audience: Audience, **values) -> Audience:
    """Change an audience's name, visibility, tone, approval rule, default channels,
    priority, cadence per impact and limits; bad input changes nothing."""
    unknown = set(values) - set(AUDIENCE_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown audience fields: {', '.join(sorted(unknown))}.")
    clean: dict = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            raise ServiceError("An audience needs a name.", "name")
        if len(name) > 80:
            raise ServiceError("An audience name can be at most 80 characters.", "name")
        clean["name"] = name
    if "description" in values:
        description = (values["description"] or "").strip()
        if len(description) > 2000:
            raise ServiceError("A description can be at most 2000 characters.", "description")
        clean["description"] = description
    if "visibility" in values:
        visibility = values["visibility"]
        if visibility not in ("public", "internal"):
            raise ServiceError("Visibility must be public or internal.", "visibility")
        fixed = FIXED_VISIBILITY.get(audience.key)
        if fixed and visibility != fixed:
            raise ServiceError(
                f"The {audience.key} audience is always {fixed}"
                + (": the public page shows its text." if fixed == "public" else "."),
                "visibility",
            )
        clean["visibility"] = visibility
    if "tone" in values:
        if values["tone"] not in TONES:
            raise ServiceError(f"Tone must be one of {', '.join(TONES)}.", "tone")
        clean["tone"] = values["tone"]
    if "needs_approval" in values:
        clean["needs_approval"] = bool(values["needs_approval"])
    if "default_channels" in values:
        channels = list(dict.fromkeys(values["default_channels"] or []))
        wrong = [c for c in channels if c not in CHANNELS]
        if wrong:
            raise ServiceError(f"Unknown channels: {', '.join(wrong)}.", "default_channels")
        if not channels:
            raise ServiceError("Choose at least one default channel.", "default_channels")
        clean["default_channels"] = [c for c in CHANNELS if c in channels]
        if "slack" in channels and "slack" not in offered_channels():
            raise ServiceError(slack_api.NOT_SET_UP, "default_channels")
    visibility = clean.get("visibility", audience.visibility)
    defaults = clean.get("default_channels", audience.default_channels or [])
    changing = "visibility" in clean or "default_channels" in clean
    if changing and visibility == "public" and any(c in STAFF_ONLY_CHANNELS for c in defaults):
        raise ServiceError(
            f"{clean.get('name', audience.name)} is a public audience: Slack and chat webhook "
            "destinations are for internal audiences and teams only, so they cannot be its "
            "default channels.",
            "default_channels",
        )
    for field, label in (
        ("priority", "Priority"),
        ("sms_max_segments", "The SMS limit (segments)"),
        ("page_max_chars", "The page text limit (characters)"),
    ):
        if field in values:
            clean[field] = _whole(values[field], label, field, AUDIENCE_LIMITS[field])
    if "cadence" in values:
        given = values["cadence"] or {}
        wrong = set(given) - set(IMPACTS)
        if wrong:
            raise ServiceError(f"Unknown impacts: {', '.join(sorted(wrong))}.", "cadence")
        cadence = {**DEFAULT_CADENCE, **(audience.cadence or {})}
        for impact, minutes in given.items():
            cadence[impact] = _whole(
                minutes,
                f"The update cadence for {impact} impact (minutes)",
                f"cadence_{impact}",
                AUDIENCE_LIMITS["cadence"],
            )
        clean["cadence"] = {impact: cadence[impact] for impact in IMPACTS}
    changes = audit.diff(audience, clean)
    if changes:
        audit.record(
            actor, "audience.update", audience, f"Edited audience {audience.name}", changes
        )
    return audience
