"""A fact sheet's texts in another language: the audience's template in that language,
with the same facts. Subscribers who read that language get these in place of the
English text as approved (app.notifier.messages.published_message)."""

from __future__ import annotations

from sqlalchemy import select

from app.comms import templating
from app.comms.context import Facts, incident_context
from app.models import Component, FactSheet
from core.db import db


def _components_of(sheet: FactSheet) -> dict[Component, str]:
    ids = {int(cid): status for cid, status in (sheet.components or {}).items()}
    found = db.session.scalars(select(Component).where(Component.id.in_(ids))).all() if ids else []
    return {c: ids[c.id] for c in found}


def render_texts_in(sheet: FactSheet, audience_key: str, language: str) -> templating.Texts | None:
    """The audience's texts for ``sheet`` from its template in ``language`` (None when
    it has none). Call it with that language chosen (flask_babel.force_locale), so that
    the dates and words of the context are in it too."""
    context = incident_context(
        sheet.incident,
        sheet.status,
        Facts.of(sheet),
        _components_of(sheet),
        audience_key,
        impact=sheet.impact,
    )
    return templating.render_in(audience_key, sheet.status, language, context)
