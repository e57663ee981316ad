"""The checks of what a draft becomes in the other languages it goes out in. Readers of
German or Spanish get the audience's template in their language with the same fact
sheet (app.notifier.messages.published_message), so that text costs SMS segments too:
one letter outside GSM-7 (Spanish "ó", "á", "í", "ú"; "ñ", "ü" and "ß" are in it) makes
the whole text UCS-2, 70 characters a segment instead of 160."""

from __future__ import annotations

from flask_babel import force_locale

from app.comms.checks import ERROR, Finding
from app.comms.sheet_texts import render_texts_in
from app.models import Draft, FactSheet
from core.vocab import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from subscribers.channels.segments import encoding, segment_count


def sms_field(language: str) -> str:
    """The field a finding about the SMS in ``language`` names ("sms_text:de")."""
    return f"sms_text:{language}"


def translated_sms_findings(draft: Draft, sheet: FactSheet, sms_max_segments: int) -> list:
    """An over-limit finding for each language whose SMS will be sent and is longer than
    the audience allows, as the English one's. A text staff edited by hand goes out in
    English to everyone, so then no translation is sent and none is checked."""
    if draft.edited_by_id is not None or draft.audience_key == "teams":
        return []  # (the teams' update is sent in English: app/notifier/team_updates.py)
    found = []
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        with force_locale(language):
            texts = render_texts_in(sheet, draft.audience_key, language)
        if texts is None:  # no template in this language: its readers get the English
            continue
        sms = texts.sms_text or ""
        segments = segment_count(sms)
        if segments > sms_max_segments:
            name = LANGUAGE_NAMES[language]
            found.append(
                Finding(
                    ERROR,
                    "sms_too_long",
                    f"The SMS in {name} ({language}) takes {segments} segments "
                    f"({len(sms)} characters, {encoding(sms)}); this audience allows "
                    f"{sms_max_segments}. Shorten the audience's {name} template, or edit "
                    "the text by hand to send the English to everyone.",
                    sms_field(language),
                    0,
                    len(sms),
                )
            )
    return found
