"""Component groups, components, their dependencies and their status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import new_public_id
from core.db import Base, UTCDateTime
from core.time import utcnow
from core.vocab import COMPONENT_STATUSES, DEPENDENCY_KINDS, TIERS, VISIBILITIES


def status_enum(name: str = "component_status") -> Enum:
    """A component status column; the name becomes its CHECK constraint's name, so two
    columns of one table need different names."""
    return Enum(
        *COMPONENT_STATUSES, name=name, native_enum=False, create_constraint=True, length=32
    )


StatusEnum = status_enum()


class ComponentGroup(Base):
    __tablename__ = "component_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    components: Mapped[list[Component]] = relationship(
        back_populates="group", order_by="Component.position"
    )

    def __repr__(self) -> str:
        return f"<ComponentGroup {self.name!r}>"


class Component(Base):
    __tablename__ = "components"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("component_groups.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    visibility: Mapped[str] = mapped_column(
        Enum(
            *VISIBILITIES, name="visibility", native_enum=False, create_constraint=True, length=16
        ),
        default="public",
    )
    tier: Mapped[str] = mapped_column(
        Enum(*TIERS, name="tier", native_enum=False, create_constraint=True, length=8),
        default="tier2",
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    showcase: Mapped[bool] = mapped_column(Boolean, default=True)
    only_show_if_degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    # The component's own status, and the status the page shows once dependencies are
    # applied. The own status is what staff (and the workflow) set, made worse by the
    # worst present signal (a vendor, an alert) unless staff set it by hand since
    # (``signal_held``): see app.status.components.own_status.
    status: Mapped[str] = mapped_column(StatusEnum, default="operational")
    staff_status: Mapped[str] = mapped_column(status_enum("staff_status"), default="operational")
    signal_status: Mapped[str] = mapped_column(
        status_enum("component_signal_status"), default="operational"
    )
    signal_held: Mapped[bool] = mapped_column(Boolean, default=False)
    # The monthly availability promised (99.9 means 99.9 %), none when no SLA; and the
    # credits owed below it: [{"below": 99.9, "credit": 10}, {"below": 99.0, "credit": 25}].
    sla_percent: Mapped[float | None] = mapped_column(Float)
    credit_tiers: Mapped[list] = mapped_column(JSON, default=list)
    effective_status: Mapped[str] = mapped_column(
        status_enum("effective_status"), default="operational"
    )
    effective_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    start_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[ComponentGroup | None] = relationship(back_populates="components")
    team: Mapped[Team | None] = relationship(back_populates="components")  # noqa: F821
    dependencies: Mapped[list[ComponentDependency]] = relationship(
        foreign_keys="ComponentDependency.component_id",
        back_populates="component",
        cascade="all, delete-orphan",
    )
    dependents: Mapped[list[ComponentDependency]] = relationship(
        foreign_keys="ComponentDependency.depends_on_id",
        back_populates="depends_on",
        cascade="all, delete-orphan",
    )

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"

    def __repr__(self) -> str:
        return f"<Component {self.name!r} {self.status}>"


class ComponentDependency(Base):
    """``component`` needs ``depends_on``: hard (fails with it) or soft (degrades with it)."""

    __tablename__ = "component_dependencies"
    __table_args__ = (UniqueConstraint("component_id", "depends_on_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(
        Enum(
            *DEPENDENCY_KINDS,
            name="dependency_kind",
            native_enum=False,
            create_constraint=True,
            length=8,
        ),
        default="hard",
    )

    component: Mapped[Component] = relationship(
        foreign_keys=[component_id], back_populates="dependencies"
    )
    depends_on: Mapped[Component] = relationship(
        foreign_keys=[depends_on_id], back_populates="dependents"
    )


class StatusInterval(Base):
    """One stretch of time a component spent in one (effective) status; open if no end."""

    __tablename__ = "status_intervals"
    __table_args__ = (Index("ix_status_intervals_component_start", "component_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("components.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(StatusEnum)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DailyUptime(Base):
    """Seconds a component spent in each non-operational status on one day of the page's
    time zone, from closed intervals only. Weights are applied when reading, so changing
    them needs no rebuild."""

    __tablename__ = "daily_uptime"

    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    degraded_performance: Mapped[float] = mapped_column(Float, default=0.0)
    partial_outage: Mapped[float] = mapped_column(Float, default=0.0)
    major_outage: Mapped[float] = mapped_column(Float, default=0.0)
    under_maintenance: Mapped[float] = mapped_column(Float, default=0.0)
