"""The communications workflow: fact sheets, drafts per audience, templates, roll calls,
escalation rules, the communication log and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import new_public_id
from app.models.incidents import ImpactEnum, IncidentStatusEnum
from core.db import Base, UTCDateTime
from core.time import utcnow
from core.vocab import TIERS

DRAFT_STATES = ("pending", "approved", "rejected", "published", "discarded")
ROLL_CALL_STATES = ("pending", "operational", "affected")


class MessageTemplate(Base):
    """A staff-edited template for one audience, phase and language (defaults live in
    files)."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("audience_key", "phase", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience_key: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    page_text: Mapped[str] = mapped_column(Text, default="")
    email_subject: Mapped[str] = mapped_column(Text, default="")
    email_body: Mapped[str] = mapped_column(Text, default="")
    sms_text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FactSheet(Base):
    """The one set of facts behind an update; each audience's draft is rendered from it."""

    __tablename__ = "fact_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(IncidentStatusEnum)
    impact: Mapped[str] = mapped_column(ImpactEnum)
    # {component id (as text): status} to apply when published.
    components: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    customer_impact: Mapped[str] = mapped_column(Text, default="")
    workaround: Mapped[str] = mapped_column(Text, default="")
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    technical_detail: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident_updates.id", ondelete="SET NULL")
    )
    # A publish request carrying this key again returns the first result.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    drafts: Mapped[list[Draft]] = relationship(
        back_populates="fact_sheet", order_by="Draft.id", cascade="all, delete-orphan"
    )
    incident: Mapped[Incident] = relationship()  # noqa: F821
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])  # noqa: F821


class Draft(Base):
    """One audience's message for a fact sheet: texts, findings, approval, publication."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("fact_sheet_id", "audience_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    fact_sheet_id: Mapped[int] = mapped_column(
        ForeignKey("fact_sheets.id", ondelete="CASCADE"), index=True
    )
    audience_key: Mapped[str] = mapped_column(String(40))
    page_text: Mapped[str] = mapped_column(Text, default="")
    email_subject: Mapped[str] = mapped_column(Text, default="")
    email_body: Mapped[str] = mapped_column(Text, default="")
    sms_text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(
        Enum(
            *DRAFT_STATES, name="draft_state", native_enum=False, create_constraint=True, length=16
        ),
        default="pending",
    )
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    notify: Mapped[bool] = mapped_column(Boolean, default=True)
    # [{"severity", "code", "message", "field", "start", "end"}], refreshed on each edit.
    findings: Mapped[list] = mapped_column(JSON, default=list)
    # {finding key: {"reason", "by", "at"}}: warnings the author chose to publish anyway.
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    template_error: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL")
    )

    fact_sheet: Mapped[FactSheet] = relationship(back_populates="drafts")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])  # noqa: F821
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])  # noqa: F821
    rejected_by: Mapped[User | None] = relationship(foreign_keys=[rejected_by_id])  # noqa: F821


class RollCall(Base):
    """A team's answer to "are your services operational?" during an incident."""

    __tablename__ = "roll_calls"
    __table_args__ = (UniqueConstraint("incident_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(
        Enum(
            *ROLL_CALL_STATES,
            name="roll_call_state",
            native_enum=False,
            create_constraint=True,
            length=16,
        ),
        default="pending",
    )
    # What Herald believed when it asked: whether the team's services looked affected.
    expected_affected: Mapped[bool] = mapped_column(Boolean, default=False)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    answered_by: Mapped[str] = mapped_column(String(254), default="")
    answered_via: Mapped[str] = mapped_column(String(16), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()  # noqa: F821
    incident: Mapped[Incident] = relationship()  # noqa: F821


class EscalationRule(Base):
    """Alert an audience at once when an incident is at least this bad, or touches a
    component of this tier."""

    __tablename__ = "escalation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    min_impact: Mapped[str | None] = mapped_column(ImpactEnum)
    tier: Mapped[str | None] = mapped_column(
        Enum(*TIERS, name="tier", native_enum=False, create_constraint=True, length=8)
    )
    audience_key: Mapped[str] = mapped_column(String(40), default="executives")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The rules a new database starts with (name, at least this impact, tier, audience).
DEFAULT_ESCALATION_RULES = (
    ("Critical incidents", "critical", None, "executives"),
    ("Anything touching a tier-1 service", None, "tier1", "executives"),
)


@event.listens_for(EscalationRule.__table__, "after_create")
def _install_default_rules(target, connection, **kw) -> None:
    """A database built with ``create_all`` starts with the default rules, as a migrated
    one does (migration 0007)."""
    install_default_rules(connection)


def install_default_rules(connection) -> None:
    if connection.scalar(select(func.count()).select_from(EscalationRule.__table__)):
        return
    connection.execute(
        insert(EscalationRule.__table__),
        [
            {"name": name, "min_impact": impact, "tier": tier, "audience_key": audience}
            for name, impact, tier, audience in DEFAULT_ESCALATION_RULES
        ],
    )


class Communication(Base):
    """One message that went out about an incident: the communication log's row."""

    __tablename__ = "communications"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # update, escalation, roll_call, all_clear …
    audience_key: Mapped[str] = mapped_column(String(40), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL")
    )
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A management API token. Only its SHA-256 is stored; the prefix identifies it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()  # noqa: F821

    @property
    def active(self) -> bool:
        return self.revoked_at is None


__all__ = [
    "DRAFT_STATES",
    "ROLL_CALL_STATES",
    "ApiToken",
    "Communication",
    "Draft",
    "EscalationRule",
    "FactSheet",
    "MessageTemplate",
    "RollCall",
]
