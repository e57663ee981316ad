"""Audiences, subscribers and their selections, saved groups, broadcasts, deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime
from core.time import utcnow

# slack: a channel of the workspace where Herald's Slack app is installed (the address is
# the channel id); chat_webhook: an incoming webhook of Microsoft Teams (Workflows),
# Mattermost, Discord or Google Chat, each sent in that service's own message shape.
CHANNELS = ("email", "sms", "webhook", "slack", "chat_webhook")
# What anyone may sign up for on the public page; chat destinations are staff's.
PUBLIC_CHANNELS = ("email", "sms", "webhook")
SUBSCRIBER_STATES = ("pending", "active", "unsubscribed", "quarantined")
DELIVERY_STATES = ("queued", "sending", "sent", "delivered", "failed", "bounced", "suppressed")
BROADCAST_STATES = ("pending", "expanding", "sending", "done")
TONES = ("plain", "technical")

ChannelEnum = Enum(*CHANNELS, name="channel", native_enum=False, create_constraint=True, length=16)


class Audience(Base):
    """A named group of readers: customers, press, support, engineering, executives …"""

    __tablename__ = "audiences"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    visibility: Mapped[str] = mapped_column(
        Enum(
            "public",
            "internal",
            name="visibility",
            native_enum=False,
            create_constraint=True,
            length=16,
        ),
        default="internal",
    )
    tone: Mapped[str] = mapped_column(
        Enum(*TONES, name="tone", native_enum=False, create_constraint=True, length=16),
        default="plain",
    )
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lower goes first: the first minutes matter most and SMS is slow.
    priority: Mapped[int] = mapped_column(Integer, default=50)
    default_channels: Mapped[list] = mapped_column(JSON, default=list)
    # Minutes between updates by incident impact, e.g. {"critical": 30, "major": 60}.
    cadence: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    # Limits the checks apply to this audience's drafts.
    sms_max_segments: Mapped[int] = mapped_column(Integer, default=2)
    page_max_chars: Mapped[int] = mapped_column(Integer, default=1500)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Audience {self.key}>"


@event.listens_for(Audience.__table__, "after_create")
def _install_default_audiences(target, connection, **kw) -> None:
    """A database built with ``create_all`` starts with the default audiences, as a
    migrated one does."""
    from subscribers.default_audiences import install_default_audiences

    install_default_audiences(connection)


class Subscriber(Base):
    """One address on one channel, for one audience, with its selection and state."""

    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("channel", "address", "audience_id"),
        Index("ix_subscribers_match", "audience_id", "state", "key_account", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(ChannelEnum)
    # Normalised: lower-case email, E.164 phone number, or the webhook URL.
    address: Mapped[str] = mapped_column(String(512))
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="RESTRICT"))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    all_components: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(
        Enum(
            *SUBSCRIBER_STATES,
            name="subscriber_state",
            native_enum=False,
            create_constraint=True,
            length=16,
        ),
        default="pending",
    )
    state_reason: Mapped[str] = mapped_column(Text, default="")
    key_account: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(120), default="")
    # The language of the messages it gets (core.vocab.LANGUAGES), chosen at sign-up.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Random; the manage and unsubscribe links carry it signed with SECRET_KEY, and the
    # signature is stored nowhere (subscribers/links.py). A new one voids every link.
    link_id: Mapped[str] = mapped_column(String(32), unique=True)
    # SHA-256 of the token that links sent before migration 0006 carry; None after.
    legacy_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Signs webhook deliveries (HMAC-SHA256); empty for other channels.
    secret: Mapped[str] = mapped_column(String(64), default="")
    # SMS double opt-in: the code to type in, hashed, and until when it works.
    confirm_code_hash: Mapped[str] = mapped_column(String(128), default="")
    confirm_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wrong codes typed since the code was sent: the code stops working at a bound.
    confirm_attempts: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="public")
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    audience: Mapped[Audience] = relationship()
    selections: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Subscriber {self.channel}:{self.address} {self.state}>"


class Subscription(Base):
    """A chosen component or component group of a subscriber (when not all_components)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("(component_id IS NULL) <> (group_id IS NULL)", name="one_target"),
        Index("ix_subscriptions_component", "component_id", "subscriber_id"),
        Index("ix_subscriptions_group", "group_id", "subscriber_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE")
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("component_groups.id", ondelete="CASCADE")
    )

    subscriber: Mapped[Subscriber] = relationship(back_populates="selections")


class SavedGroup(Base):
    """A named selection of subscribers: an audience and components ("Payments – executives")."""

    __tablename__ = "saved_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="CASCADE"))
    # Component ids; empty means every component.
    component_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    audience: Mapped[Audience] = relationship()


class Broadcast(Base):
    """One message for one audience about some components: the promise to deliver.

    Written in the same transaction as what it announces, then expanded into deliveries.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_state", "state", "priority", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="RESTRICT"))
    # When set, the broadcast goes to the team's members instead of the audience.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    # When set, not to the audience's subscribers on a team's list: the same update has
    # its own broadcast to each team (the lead's teams draft), and nobody gets two.
    without_team_members: Mapped[bool] = mapped_column(Boolean, default=False)
    # When set, to this one subscriber whatever its state (confirmations, notices).
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32), default="incident")
    # Where it came from ("incident_update:12"); with the audience, it makes a second
    # publish of the same thing a no-op.
    source: Mapped[str] = mapped_column(String(80), unique=True)
    component_ids: Mapped[list] = mapped_column(JSON, default=list)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300), default="")
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    sms_body: Mapped[str] = mapped_column(Text, default="")
    webhook_payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # The message in other languages: {language: {subject, text, html, sms}}; a
    # subscriber whose language is not here gets the English columns above.
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    # Buttons for chat (Slack renders them as buttons, chat webhooks as links):
    # [{"id": "herald_approve", "label", "value", "url", "style"}], see subscribers.chat_actions.
    chat_actions: Mapped[list] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=50)
    state: Mapped[str] = mapped_column(
        Enum(
            *BROADCAST_STATES,
            name="broadcast_state",
            native_enum=False,
            create_constraint=True,
            length=16,
        ),
        default="pending",
    )
    expanded_through: Mapped[int] = mapped_column(Integer, default=0)
    expand_pass: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    audience: Mapped[Audience] = relationship()


class Delivery(Base):
    """One message to one address on one channel. The row is the truth."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "channel", "address"),
        Index("ix_deliveries_queue", "state", "channel", "priority", "id"),
        Index("ix_deliveries_subscriber", "subscriber_id", "id"),
        Index("ix_deliveries_provider", "provider_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(ChannelEnum)
    address: Mapped[str] = mapped_column(String(512))
    priority: Mapped[int] = mapped_column(Integer, default=50)
    state: Mapped[str] = mapped_column(
        Enum(
            *DELIVERY_STATES,
            name="delivery_state",
            native_enum=False,
            create_constraint=True,
            length=16,
        ),
        default="queued",
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by each claim: outcomes are written only by the claim that still holds the row,
    # so a worker whose lease ran out cannot overwrite what the next one recorded.
    claim_token: Mapped[str] = mapped_column(String(32), default="")
    provider_message_id: Mapped[str] = mapped_column(String(128), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    broadcast: Mapped[Broadcast] = relationship()
    subscriber: Mapped[Subscriber] = relationship()


class ProviderEvent(Base):
    """Provider callbacks already handled (SendGrid retries its events for 24 hours)."""

    __tablename__ = "provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerLease(Base):
    """Which process runs the embedded worker: one at a time, so SMS pacing and claims
    are not multiplied by the number of web processes."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
