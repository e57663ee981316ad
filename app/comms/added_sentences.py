"""Sentences someone added by hand to an audience's last text that the next set's text
does not hold.

Each new set is rendered afresh from its fact sheet and the template, so a sentence the
lead wrote into the last press text (often at an approver's request: "say that delayed
payouts are held safely") is not in the next one. It may no longer hold, so it is not
carried over; the new set names it, for the lead to add again if it still does.
"""

from __future__ import annotations

from sqlalchemy import select

from app.comms.drafting import render_texts
from app.comms.removed_sentences import REMOVABLE, removed, sentences
from app.models import FactSheet
from core.db import db


def _earlier(sheet: FactSheet) -> FactSheet | None:
    """The incident's set written just before ``sheet``."""
    return db.session.scalar(
        select(FactSheet)
        .where(FactSheet.incident_id == sheet.incident_id, FactSheet.id < sheet.id)
        .order_by(FactSheet.id.desc())
        .limit(1)
    )


def dropped_additions(sheet: FactSheet) -> dict[str, list[str]]:
    """Per audience of ``sheet``: the sentences added by hand to the earlier set's text
    for it (not written by its template, nor close to what it wrote) that this set's
    text lacks, in their order."""
    earlier = _earlier(sheet)
    if earlier is None:
        return {}
    before = {d.audience_key: d for d in earlier.drafts if d.edited_by_id is not None}
    found: dict[str, list[str]] = {}
    for draft in sheet.drafts:
        was = before.get(draft.audience_key)
        if was is None or draft.state in ("published", "discarded"):
            continue
        rendered = render_texts(earlier, draft.audience_key)
        missing: list[str] = []
        for name in REMOVABLE:
            added = removed(getattr(was, name) or "", getattr(rendered, name))
            now = getattr(draft, name) or ""
            missing += [
                s
                for s in sentences(getattr(was, name) or "")
                if s in added and s not in now and s not in missing
            ]
        if missing:
            found[draft.audience_key] = missing
    return found
