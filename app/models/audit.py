"""The page's content version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime
from core.time import utcnow


class PageState(Base):
    """One row: a counter bumped in the same transaction as any change of page content.

    Every web process compares it with the version of its cached pages, so a change made
    by any process (or the worker) is served everywhere within a fraction of a second.
    """

    __tablename__ = "page_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
