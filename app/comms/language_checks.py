"""The checks of a template that do not depend on its language, run for each language an
audience's template exists in: does it render, does it use the same values as the English
one (a translation that drops the incident's link or the next update's time loses a
fact), is the page text within the audience's length, and how many SMS segments does it
cost (one accented letter outside GSM-7 makes the whole text UCS-2, 70 characters a
segment instead of 160)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale
from jinja2 import Environment, TemplateSyntaxError, nodes

from app.comms import templating
from app.comms.context import sample_context
from app.comms.phases import FIELDS
from app.comms.sandbox import render_text
from core.vocab import DEFAULT_LANGUAGE, LANGUAGES
from subscribers.audiences import get_audience
from subscribers.channels.segments import encoding, segment_count

_PARSER = Environment()


@dataclass
class LanguageCheck:
    language: str
    origin: str  # "staff", "default", or "none" (the English text is sent)
    problems: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # field -> values left out
    page_chars: int = 0
    page_limit: int = 0
    subject_chars: int = 0
    sms_chars: int = 0
    sms_segments: int = 0
    sms_encoding: str = ""
    sms_limit: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.problems
            or self.missing
            or self.page_chars > self.page_limit
            or self.sms_segments > self.sms_limit
        )


def placeholders(text: str) -> set[str]:
    """The values a template text uses, as dotted names ("incident.url", "facts")."""
    try:
        tree = _PARSER.parse(text)
    except TemplateSyntaxError:
        return set()
    found = set()
    for node in tree.find_all((nodes.Getattr, nodes.Name)):
        path = []
        while isinstance(node, nodes.Getattr):
            path.append(node.attr)
            node = node.node
        if isinstance(node, nodes.Name) and node.ctx == "load":
            found.add(".".join([node.name, *reversed(path)]))
    return found


def _limits(audience_key: str) -> tuple[int, int]:
    """(page characters, SMS segments) the audience allows; the defaults for the
    template audiences that are no subscriber audience (teams, staff)."""
    try:
        audience = get_audience(audience_key)
    except LookupError:
        return 1500, 2
    return audience.page_max_chars, audience.sms_max_segments


def _check(
    audience_key: str, phase: str, language: str, sources: dict[str, str], english: dict
) -> LanguageCheck:
    page_limit, sms_limit = _limits(audience_key)
    result = LanguageCheck(language, "", page_limit=page_limit, sms_limit=sms_limit)
    with force_locale(language):
        context = sample_context(audience_key, phase)
        result.problems = templating.validate(sources, context)
        texts = {}
        for name in FIELDS:
            try:
                texts[name] = render_text(sources[name], context).strip()
            except Exception:  # reported in problems, with the line
                texts[name] = ""
    for name in FIELDS:
        gone = sorted(placeholders(english[name]) - placeholders(sources[name]))
        if gone:
            result.missing[name] = gone
    sms = texts["sms_text"]
    result.page_chars = len(texts["page_text"])
    result.subject_chars = len(texts["email_subject"])
    result.sms_chars = len(sms)
    result.sms_segments = segment_count(sms)
    result.sms_encoding = encoding(sms)
    return result


def check_languages(audience_key: str, phase: str) -> list[LanguageCheck]:
    """The checks of the template for ``phase`` in every language (English first); a
    language with no template is listed as such (its readers get the English text)."""
    english, _ = templating.source(audience_key, phase)
    results = []
    for language in LANGUAGES:
        found = templating.source_in(audience_key, phase, language)
        if found is None:
            results.append(LanguageCheck(language, "none"))
            continue
        sources, origin = found
        reference = english if language != DEFAULT_LANGUAGE else sources
        result = _check(audience_key, phase, language, sources, reference)
        result.origin = origin
        results.append(result)
    return results
