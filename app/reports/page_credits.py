"""Private pages in the service credits: a page stands for one customer (its viewers), tied
to the components it shows, hidden ones too. A page made after the month ended is owed
nothing for that month."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.models import PrivatePage
from core.db import db


def pages_tied(component_ids: list[int], end: datetime) -> list[tuple[int, PrivatePage]]:
    """(component id, page) for each page that existed before ``end`` and shows one of
    these components, by page name."""
    wanted = set(component_ids)
    pages = db.session.scalars(
        select(PrivatePage)
        .where(PrivatePage.created_at < end)
        .options(selectinload(PrivatePage.components), selectinload(PrivatePage.viewers))
        .order_by(PrivatePage.name, PrivatePage.id)
    )
    return [(c.id, page) for page in pages for c in page.components if c.id in wanted]


def page_viewers(page: PrivatePage) -> list[str]:
    """Who reads the page: its viewers' addresses, in order."""
    return sorted(v.email for v in page.viewers)
