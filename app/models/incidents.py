"""Incidents, their timeline of updates, and the components they affect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import new_public_id
from app.models.components import Component, StatusEnum
from core.db import Base, UTCDateTime
from core.time import utcnow
from core.vocab import IMPACTS, INCIDENT_STATUSES, VISIBILITIES

ImpactEnum = Enum(*IMPACTS, name="impact", native_enum=False, create_constraint=True, length=16)
IncidentStatusEnum = Enum(
    *INCIDENT_STATUSES, name="incident_status", native_enum=False, create_constraint=True, length=16
)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_started", "status", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        IncidentStatusEnum,
        default="investigating",
    )
    impact: Mapped[str] = mapped_column(ImpactEnum, default="minor")
    visibility: Mapped[str] = mapped_column(
        Enum(
            *VISIBILITIES, name="visibility", native_enum=False, create_constraint=True, length=16
        ),
        default="public",
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    identified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postmortem_body: Mapped[str] = mapped_column(Text, default="")
    postmortem_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who last wrote the postmortem, and when it was sent for approval: while customers'
    # texts need approval, a person's postmortem goes public only once another approves.
    postmortem_author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    postmortem_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The text sent for approval; the published text (postmortem_body) stays public
    # until it is approved.
    postmortem_pending_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    postmortem_approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The communications lead: reminded when an update is overdue.
    comms_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When the first update went public; until then the public page does not list it.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The due time the lead was last reminded of (one reminder per missed update).
    reminded_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    updates: Mapped[list[IncidentUpdate]] = relationship(
        back_populates="incident",
        order_by="(IncidentUpdate.display_at.desc(), IncidentUpdate.id.desc())",
        cascade="all, delete-orphan",
    )
    # In the components' order of creation, the same on every database.
    affected: Mapped[list[IncidentComponent]] = relationship(
        back_populates="incident",
        order_by="IncidentComponent.component_id",
        cascade="all, delete-orphan",
    )

    @property
    def is_resolved(self) -> bool:
        return self.status == "resolved"

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"

    @property
    def components(self) -> list[Component]:
        return [link.component for link in self.affected]

    def __repr__(self) -> str:
        return f"<Incident {self.id} {self.name!r} {self.status}>"


class IncidentComponent(Base):
    """A component an incident affects, with the status the incident last gave it."""

    __tablename__ = "incident_components"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(StatusEnum, default="operational")

    incident: Mapped[Incident] = relationship(back_populates="affected")
    component: Mapped[Component] = relationship()


class IncidentUpdate(Base):
    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(IncidentStatusEnum)
    body: Mapped[str] = mapped_column(Text, default="")
    # The engineering text, shown on the internal page instead of ``body`` when set.
    internal_body: Mapped[str] = mapped_column(Text, default="")
    # Statuspage's shape: [{"code", "name", "old_status", "new_status"}].
    affected_components: Mapped[list] = mapped_column(JSON, default=list)
    deliver_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    display_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="updates")
