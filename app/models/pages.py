"""Private pages: a named group of outside viewers sees its own page of chosen components."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import new_public_id
from app.models.components import Component
from core.db import Base, UTCDateTime
from core.time import utcnow

# A slug is 2 to 35 lower-case letters, digits and single hyphens between them: its
# audience key, "page:<slug>", must fit the 40 characters audience keys have everywhere.
SLUG_LENGTH = (2, 35)
NAME_LENGTH = 120
MAX_COMPONENTS = 500

page_components = Table(
    "private_page_components",
    Base.metadata,
    Column("page_id", ForeignKey("private_pages.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("components.id", ondelete="CASCADE"), primary_key=True),
)


class PrivatePage(Base):
    """A page at /p/<slug> for its invited viewers (and holders of its read token)."""

    __tablename__ = "private_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH[1]), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # The audience the comms workflow drafts for ("page:<slug>"), created with the page.
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="RESTRICT"))
    # SHA-256 of the read token for the page's JSON; empty until staff make one.
    read_token_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    components: Mapped[list[Component]] = relationship(
        secondary=page_components, order_by=(Component.position, Component.name)
    )
    viewers: Mapped[list[PageViewer]] = relationship(
        back_populates="page",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PageViewer.email",
    )

    @property
    def audience_key(self) -> str:
        return f"page:{self.slug}"


class PageViewer(Base):
    """An outside person invited to one private page; signs in by emailed link."""

    __tablename__ = "page_viewers"
    __table_args__ = (UniqueConstraint("page_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(
        ForeignKey("private_pages.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    # A sign-in link names this nonce; using the link (or a new invitation) replaces it,
    # so each link works once.
    link_nonce: Mapped[str] = mapped_column(String(32), default="")
    # SHA-256 of the key a signed-in browser holds; removing the viewer ends its sessions.
    session_hash: Mapped[str] = mapped_column(String(64), default="")
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    page: Mapped[PrivatePage] = relationship(back_populates="viewers")
