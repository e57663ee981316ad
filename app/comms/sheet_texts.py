"""A fact sheet's texts in another language: the audience's template in that language,
with the same facts. Subscribers who read that language get these in place of the
English text as approved (app.notifier.messages.published_message)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.comms import templating
from app.comms.context import Facts, incident_context
from app.models import Component, FactSheet
from app.status.impact import sheet_impact
from core.db import db


def sheet_components(sheet: FactSheet) -> dict[Component, str]:
    """The components a fact sheet names, with the status it gives each."""
    ids = {int(cid): status for cid, status in (sheet.components or {}).items()}
    found = db.session.scalars(select(Component).where(Component.id.in_(ids))).all() if ids else []
    return {c: ids[c.id] for c in found}


def sheet_context(sheet: FactSheet, audience_key: str, now: datetime | None = None) -> dict:
    """What an audience's template is rendered with for ``sheet``, in the language
    chosen at the time (the incident's length counted to ``now``)."""
    components = sheet_components(sheet)
    return incident_context(
        sheet.incident,
        sheet.status,
        Facts.of(sheet),
        components,
        audience_key,
        impact=sheet_impact(sheet, components),
        now=now,
    )


def render_texts_in(sheet: FactSheet, audience_key: str, language: str) -> templating.Texts | None:
    """The audience's texts for ``sheet`` from its template in ``language`` (None when
    it has none). Call it with that language chosen (flask_babel.force_locale), so that
    the dates and words of the context are in it too."""
    context = sheet_context(sheet, audience_key)
    return templating.render_in(audience_key, sheet.status, language, context)


def count_lengths_to(sheet: FactSheet, drafts, now: datetime) -> list[str]:
    """At publishing: a text that says how long the incident has lasted ("resolved after
    4 min") was worked out when it was drafted, and the set may be published minutes
    later. Each draft text that is still exactly its template's output at drafting time
    (nobody edited it) is rendered again with the length counted to ``now``; a text
    someone edited is sent as approved. Only the clock moved, as the texts in other
    languages (rendered when sent) count it too. Returns the audiences whose text
    changed."""
    changed = []
    for draft in drafts:
        if draft.template_error:
            continue
        then = templating.render(
            draft.audience_key,
            sheet.status,
            sheet_context(sheet, draft.audience_key, sheet.created_at),
        ).as_dict()
        fresh = templating.render(
            draft.audience_key, sheet.status, sheet_context(sheet, draft.audience_key, now)
        ).as_dict()
        moved = {
            name: text
            for name, text in fresh.items()
            if getattr(draft, name) == then[name] and text != then[name]
        }
        for name, text in moved.items():
            setattr(draft, name, text)
        if moved:
            changed.append(draft.audience_key)
    return changed
