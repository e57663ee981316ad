"""The catalogs under app/translations: every word the public pages and subscriber
messages use is extracted, translated in every language (each plural form, nothing
fuzzy, the same placeholders), and the committed messages.mo is the compiled .po, so a
fresh clone needs no build step."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.checkers import python_format
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.vocab import DEFAULT_LANGUAGE, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
OTHER_LANGUAGES = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
}


def catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def extracted() -> set:
    """What `make translations` extracts (babel.cfg), run here without a subprocess."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }


def hashable(value):
    return value if isinstance(value, str) else tuple(value)


def key(message) -> str:
    return message if isinstance(message, str) else message[0]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_extracted_word_is_in_the_catalog(extracted, language):
    known = {key(m.id) for m in catalog(language) if m.id}
    missing = sorted({key(m) for m in extracted} - known)
    assert not missing, f"run `make translations` and translate: {missing}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_message_is_translated_with_every_plural_form_and_nothing_fuzzy(language):
    po = catalog(language)
    assert not po.fuzzy
    forms = po.num_plurals
    for message in po:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = message.string if message.pluralizable else (message.string,)
        assert len(strings) == (forms if message.pluralizable else 1), message.id
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        if message.python_format:
            python_format(po, message)  # raises on a placeholder the English does not have


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language):
    po = catalog(language)
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        mo = read_mo(handle)
    compiled = {hashable(m.id): hashable(m.string) for m in mo if m.id}
    expected = {hashable(m.id): hashable(m.string) for m in po if m.id}
    assert compiled == expected, "run `make translations` (pybabel compile) and commit the .mo"


def test_the_catalogs_load_in_the_app(app):
    from flask_babel import force_locale, gettext, ngettext

    with force_locale("de"):
        assert gettext("Subscribe to updates") == "Updates abonnieren"
        assert ngettext("%(num)d day ago", "%(num)d days ago", 1) == "vor 1 Tag"
    with force_locale("es"):
        assert ngettext("%(num)d day ago", "%(num)d days ago", 30) == "hace 30 días"
