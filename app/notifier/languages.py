"""Messages in each subscriber's language: the English message, with a translation for
every other language that has words for it (a catalog, a template); the delivery side
gives each subscriber its own language's text, else the English one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask_babel import force_locale

from core.vocab import DEFAULT_LANGUAGE, LANGUAGES
from subscribers.outbox import Message


def in_every_language(build: Callable[[str], Message | None]) -> Message:
    """``build(language)`` runs with that language chosen (words, dates, numbers); it
    returns None where the language has no text for this message."""
    with force_locale(DEFAULT_LANGUAGE):
        english = build(DEFAULT_LANGUAGE)
    if english is None:
        raise ValueError("every message has an English text")
    translations = {}
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        with force_locale(language):
            translated = build(language)
        if translated is not None:
            translations[language] = translated
    return replace(english, translations=translations or None)
