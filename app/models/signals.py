"""Signals in: what Herald hears from outside before staff type anything.

- ``VendorSource``: a vendor's public status (a Statuspage ``summary.json`` or an RSS/Atom
  feed), polled by the worker; vendor components are mapped to Herald components.
- ``Integration``: a monitoring sender (Alertmanager or Grafana, or any tool through the
  generic monitor webhook) with its own credential; ``AlertRule`` maps label matchers to a
  component; ``Alert`` is one alert by its fingerprint.
- ``ListeningFeed`` and ``Mention``: public feeds where customers talk, and the items that
  matched the keywords.
- ``ComponentSignal``: one source's present claim on a component's status. The worst of a
  component's signals is its ``signal_status`` (see app.status.components).
- ``SuggestedIncident``: what a signal proposes to declare; staff declare or dismiss it.
  Nothing here reaches customers without the communications workflow.
- ``IncidentSignal``: a signal about components an open incident already covers, kept on
  that incident instead of a second suggestion.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import new_public_id
from app.models.components import status_enum
from app.models.incidents import ImpactEnum
from core.db import Base, UTCDateTime
from core.time import utcnow

VENDOR_KINDS = ("statuspage", "feed")
INTEGRATION_KINDS = ("alertmanager", "monitor")
POLL_STATES = ("new", "ok", "failing", "stale")
SUGGESTION_ORIGINS = ("vendor", "alert", "listening")
SUGGESTION_STATES = ("open", "declared", "dismissed")

DEFAULT_POLL_SECONDS = 60
MIN_POLL_SECONDS = 30
# A listening feed's limits: app.signals.listening enforces them and the API's OpenAPI
# schema (app/api/openapi_listening.py) states them, so both read them from here.
LISTENING_MAX_POLL_SECONDS = 86_400
LISTENING_MAX_THRESHOLD = 100_000
LISTENING_MAX_NAME = 120


def _choice(values: tuple[str, ...], name: str, length: int = 16) -> Enum:
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


class PolledFeed:
    """What the worker keeps about a polled URL: when to poll next, what it answered
    last (for a conditional GET), and how it has been failing."""

    url: Mapped[str] = mapped_column(String(2048))
    poll_seconds: Mapped[int] = mapped_column(Integer, default=DEFAULT_POLL_SECONDS)
    poll_state: Mapped[str] = mapped_column(String(16), default="new")
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str] = mapped_column(String(512), default="")
    last_modified: Mapped[str] = mapped_column(String(128), default="")
    # Held by one poller at a time (the Celery path may run several workers).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VendorSource(PolledFeed, Base):
    __tablename__ = "vendor_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(_choice(VENDOR_KINDS, "vendor_kind"))
    # {"<vendor component name>": <Herald component id>}; a feed has one pseudo-name "*".
    component_map: Mapped[dict] = mapped_column(JSON, default=dict)
    # The vendor's components and open incidents as last read: {"components": [...],
    # "incidents": [...]}, shown in the admin and the API.
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    # Served by the demo itself (works offline), and shown as such.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Integration(Base):
    """A monitoring sender and its credential: a bearer token (Alertmanager, Grafana) kept
    as a SHA-256 hash, or an HMAC secret (monitor webhook) kept encrypted under the app's
    secret key, since checking a signature needs the secret itself."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(_choice(INTEGRATION_KINDS, "integration_kind"))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    # {"critical": "major_outage", "warning": "degraded_performance", ...}
    severity_map: Mapped[dict] = mapped_column(JSON, default=dict)
    min_firing_seconds: Mapped[int] = mapped_column(Integer, default=60)
    min_clear_seconds: Mapped[int] = mapped_column(Integer, default=60)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRule(Base):
    """Alerts whose labels match every matcher belong to the component (checked in
    ``position`` order; a ``herald_component`` label wins over rules)."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    matchers: Mapped[dict] = mapped_column(JSON, default=dict)
    component_id: Mapped[int] = mapped_column(ForeignKey("components.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """One alert as its sender names it (Alertmanager's fingerprint, the monitor's id)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("integration_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    fingerprint: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict] = mapped_column(JSON, default=dict)
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="SET NULL"), index=True
    )
    # The component status the alert claims while it fires.
    status: Mapped[str] = mapped_column(status_enum("alert_status"), default="degraded_performance")
    firing: Mapped[bool] = mapped_column(Boolean, default=True)
    # Firing long enough to count (a rule's minimum firing time), and resolved long enough
    # to clear (its minimum clear time): a flapping alert does not flap the page.
    counts: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generator_url: Mapped[str] = mapped_column(String(2048), default="")


class ListeningFeed(PolledFeed, Base):
    """A public feed where customers talk (a hashtag, a forum search, a ticket export)."""

    __tablename__ = "listening_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # One keyword or phrase per line; empty means the page name and component names.
    keywords: Mapped[str] = mapped_column(Text, default="")
    # Mentions in 15 minutes above which, with no incident open, the team is alerted.
    alert_threshold: Mapped[int] = mapped_column(Integer, default=10)


class Mention(Base):
    """A feed item that matched a keyword: kept as text, shown escaped."""

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("feed_id", "guid"),
        Index("ix_mentions_published", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("listening_feeds.id", ondelete="CASCADE"), index=True
    )
    guid: Mapped[str] = mapped_column(String(512))
    title: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(2048), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    keyword: Mapped[str] = mapped_column(String(200), default="")
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="SET NULL"), index=True
    )


class ComponentSignal(Base):
    """One source's present claim on a component: ``source`` is ``vendor:<id>`` or
    ``alert:<id>``. Removed when the source no longer claims anything."""

    __tablename__ = "component_signals"
    __table_args__ = (UniqueConstraint("component_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    # Indexed: a source's claims are read and withdrawn by source (every alert delivery).
    source: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(status_enum("signal_status"))
    # Shown to readers: "Reported by Stripe", "Alert: HighErrorRate".
    reason: Mapped[str] = mapped_column(Text, default="")
    # The vendor's incident page, or the alert's generator URL (internal pages only).
    link: Mapped[str] = mapped_column(String(2048), default="")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestedIncident(Base):
    """An incident a signal proposes. One open suggestion per ``key`` (the source and
    what it saw); declaring it opens the usual declaration with these facts."""

    __tablename__ = "suggested_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    origin: Mapped[str] = mapped_column(_choice(SUGGESTION_ORIGINS, "suggestion_origin"))
    key: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(200))
    impact: Mapped[str] = mapped_column(ImpactEnum, default="minor")
    component_ids: Mapped[list] = mapped_column(JSON, default=list)
    # {component id (str): status} the signal claims.
    component_statuses: Mapped[dict] = mapped_column(JSON, default=dict)
    facts: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(2048), default="")
    state: Mapped[str] = mapped_column(
        _choice(SUGGESTION_STATES, "suggestion_state"), default="open"
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why staff dismissed it, as they said it ("" when they gave no reason).
    dismissed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class IncidentSignal(Base):
    """A signal (a vendor's change, an alert, a surge of mentions) seen while an open
    incident already covered the components it names: shown on that incident's internal
    page and told to the incident team once, instead of suggesting a second incident.
    One row per incident and suggestion key; a repeat updates its words and time."""

    __tablename__ = "incident_signals"
    __table_args__ = (UniqueConstraint("incident_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    origin: Mapped[str] = mapped_column(_choice(SUGGESTION_ORIGINS, "incident_signal_origin"))
    key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    # {component id (str): status} the signal claims on the incident's components.
    component_statuses: Mapped[dict] = mapped_column(JSON, default=dict)
    facts: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(2048), default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its source stopped claiming its components (the alert resolved and settled,
    # the vendor recovered); None while it is active. Seen again, it is active again.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
