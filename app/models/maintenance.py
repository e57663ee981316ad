"""Scheduled maintenance windows and their updates."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import new_public_id
from app.models.components import Component
from core.db import Base, UTCDateTime
from core.time import utcnow
from core.vocab import MAINTENANCE_STATUSES, VISIBILITIES

MaintenanceStatusEnum = Enum(
    *MAINTENANCE_STATUSES,
    name="maintenance_status",
    native_enum=False,
    create_constraint=True,
    length=16,
)


# Customers are reminded of a window this long before it starts (when they learned of it
# earlier than that: a reminder right after the announcement would repeat it).
REMINDER_BEFORE = timedelta(hours=1)


class Maintenance(Base):
    __tablename__ = "maintenances"
    __table_args__ = (Index("ix_maintenances_status_scheduled", "status", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(MaintenanceStatusEnum, default="scheduled")
    visibility: Mapped[str] = mapped_column(
        Enum(
            *VISIBILITIES, name="visibility", native_enum=False, create_constraint=True, length=16
        ),
        default="public",
    )
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_until: Mapped[datetime] = mapped_column(UTCDateTime)
    # When true, Herald moves the window through its statuses at its times.
    auto_transition: Mapped[bool] = mapped_column(Boolean, default=True)
    # While its first text waits for approval (customers' texts need it), a public window
    # is shown to staff only and no customer is told.
    awaiting_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    updates: Mapped[list[MaintenanceUpdate]] = relationship(
        back_populates="maintenance",
        order_by="(MaintenanceUpdate.display_at.desc(), MaintenanceUpdate.id.desc())",
        cascade="all, delete-orphan",
    )
    affected: Mapped[list[MaintenanceComponent]] = relationship(
        back_populates="maintenance", cascade="all, delete-orphan"
    )

    @property
    def components(self) -> list[Component]:
        return [link.component for link in self.affected]

    @property
    def is_public(self) -> bool:
        """Shown on the public page and told to customers (its text approved)."""
        return self.visibility == "public" and not self.awaiting_approval

    @classmethod
    def shown_publicly(cls):
        """``is_public`` as a WHERE clause."""
        return (cls.visibility == "public") & cls.awaiting_approval.is_(False)

    @property
    def is_active(self) -> bool:
        return self.status in ("in_progress", "verifying")

    def __repr__(self) -> str:
        return f"<Maintenance {self.id} {self.name!r} {self.status}>"


class MaintenanceComponent(Base):
    __tablename__ = "maintenance_components"

    maintenance_id: Mapped[int] = mapped_column(
        ForeignKey("maintenances.id", ondelete="CASCADE"), primary_key=True
    )
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    maintenance: Mapped[Maintenance] = relationship(back_populates="affected")
    component: Mapped[Component] = relationship()


class MaintenanceUpdate(Base):
    __tablename__ = "maintenance_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    maintenance_id: Mapped[int] = mapped_column(
        ForeignKey("maintenances.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(MaintenanceStatusEnum)
    body: Mapped[str] = mapped_column(Text, default="")
    affected_components: Mapped[list] = mapped_column(JSON, default=list)
    deliver_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A person's text waiting for an approver (customers' texts need approval): ``body``,
    # the public text, stays empty until then; staff read this one.
    pending_body: Mapped[str] = mapped_column(Text, default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    display_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    maintenance: Mapped[Maintenance] = relationship(back_populates="updates")
