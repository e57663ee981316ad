"""Wiring Flask-Babel into the app: the locale selector, the catalogs under
app/translations, and the template helpers for the public pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from app.i18n import filters, select_locale
from core.vocab import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_locale)
    filters.init_app(app)
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, LANGUAGES=LANGUAGES)
