"""A fact sheet's texts in another language: the audience's template in that language,
with the same facts. Subscribers who read that language get these in place of the
English text as approved (app.notifier.messages.published_message)."""

from __future__ import annotations

from sqlalchemy import select

from app.comms import templating
from app.comms.context import Facts, incident_context
from app.models import Component, FactSheet
from core.db import db


def sheet_components(sheet: FactSheet) -> dict[Component, str]:
    """The components a fact sheet names, with the status it gives each."""
    ids = {int(cid): status for cid, status in (sheet.components or {}).items()}
    found = db.session.scalars(select(Component).where(Component.id.in_(ids))).all() if ids else []
    return {c: ids[c.id] for c in found}


def sheet_context(sheet: FactSheet, audience_key: str) -> dict:
    """What an audience's template is rendered with for ``sheet``, in the language
    chosen at the time."""
    return incident_context(
        sheet.incident,
        sheet.status,
        Facts.of(sheet),
        sheet_components(sheet),
        audience_key,
        impact=sheet.impact,
    )


def render_texts_in(sheet: FactSheet, audience_key: str, language: str) -> templating.Texts | None:
    """The audience's texts for ``sheet`` from its template in ``language`` (None when
    it has none). Call it with that language chosen (flask_babel.force_locale), so that
    the dates and words of the context are in it too."""
    context = sheet_context(sheet, audience_key)
    return templating.render_in(audience_key, sheet.status, language, context)
