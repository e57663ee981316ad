"""Message templates: shipped defaults (files under templates/comms/), staff edits in the
database, rendered in the sandbox (``app.comms.sandbox``) so a template can never reach
the application nor eat its memory or CPU.

A default file holds four sections, each starting with a line ``== page``, ``== subject``,
``== email`` or ``== sms``. A staff template with an error is refused when saved, with
the line; and should one ever fail when rendering, the default is used instead and the
draft says so, so a template can never break publishing or a page.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from jinja2 import TemplateError, TemplateSyntaxError
from sqlalchemy import select

from app.comms.audience_keys import PAGE_PREFIX, template_audience
from app.comms.phases import FIELDS, PHASE_LABELS, SECTION_NAMES, TEMPLATE_PHASES, known
from app.comms.punctuation import tidy
from app.comms.sandbox import compiled, render_text
from app.comms.template_limits import MAX_TEMPLATE
from app.models import MessageTemplate, PrivatePage, User
from app.textrules import control_character
from core import audit
from core.db import db
from core.errors import ServiceError
from core.vocab import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES

DEFAULTS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "templates",
    "comms",
)


@dataclass
class Texts:
    page_text: str = ""
    email_subject: str = ""
    email_body: str = ""
    sms_text: str = ""
    error: str = ""  # set when a staff template failed and the default was used
    source: str = "default"
    fields: dict = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


def parse_sections(text: str, where: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("== "):
            name = line[3:].strip()
            if name not in SECTION_NAMES:
                raise ValueError(f"{where}: unknown section {name!r}")
            current = SECTION_NAMES[name]
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    missing = set(FIELDS) - set(sections)
    if missing:
        raise ValueError(f"{where}: missing sections {', '.join(sorted(missing))}")
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


@lru_cache(maxsize=128)
def default_source(audience_key: str, phase: str) -> dict[str, str]:
    path = os.path.join(DEFAULTS_DIR, template_audience(audience_key), f"{phase}.txt")
    with open(path, encoding="utf-8") as handle:
        return parse_sections(handle.read(), path)


@lru_cache(maxsize=256)
def translated_default(audience_key: str, phase: str, language: str) -> dict[str, str] | None:
    """The shipped default in another language (templates/comms/<audience>/<language>/
    <phase>.txt), or None where there is none: those subscribers get the English text."""
    if language == DEFAULT_LANGUAGE:
        return default_source(audience_key, phase)
    if language not in LANGUAGES:
        return None
    path = os.path.join(DEFAULTS_DIR, template_audience(audience_key), language, f"{phase}.txt")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return parse_sections(handle.read(), path)


def stored(
    audience_key: str, phase: str, language: str = DEFAULT_LANGUAGE
) -> MessageTemplate | None:
    return db.session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.audience_key == audience_key,
            MessageTemplate.phase == phase,
            MessageTemplate.language == language,
        )
    )


def source(audience_key: str, phase: str) -> tuple[dict[str, str], str]:
    """The template's four sources and where they come from ("staff" or "default")."""
    row = stored(audience_key, phase)
    if row is not None:
        return {name: getattr(row, name) for name in FIELDS}, "staff"
    return default_source(audience_key, phase), "default"


def source_in(audience_key: str, phase: str, language: str) -> tuple[dict[str, str], str] | None:
    """The template in ``language``: staff's, else the shipped translation; None when
    there is neither (that language's readers get the English text)."""
    if language == DEFAULT_LANGUAGE:
        return source(audience_key, phase)
    row = stored(audience_key, phase, language)
    if row is not None:
        return {name: getattr(row, name) for name in FIELDS}, "staff"
    found = translated_default(audience_key, phase, language)
    return (found, "default") if found is not None else None


def _template_line(error: Exception) -> int | None:
    """The template line of an error: syntax errors carry it; errors raised while
    rendering (an undefined name, a sandbox refusal) only have it in the traceback,
    which Jinja rewrites so that the template's frame is named "<template>"."""
    line = getattr(error, "lineno", None)
    tb = error.__traceback__
    while not line and tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def describe(error: Exception, field_name: str) -> str:
    line = _template_line(error)
    where = f"{field_name.replace('_', ' ')}" + (f", line {line}" if line else "")
    message = getattr(error, "message", None) or str(error)
    return f"{where}: {message}"


def render(audience_key: str, phase: str, context: dict) -> Texts:
    """Render the audience's template for ``phase``; a failing staff template falls back
    to the default and reports why."""
    if not known(audience_key, phase):
        raise ServiceError(
            f"There is no {PHASE_LABELS.get(phase, phase)} template for {audience_key}."
        )
    sources, origin = source(audience_key, phase)
    try:
        return Texts(**_render_one_by_one(sources, context), source=origin)
    except _FieldError as failure:
        if origin == "default":
            raise ServiceError(
                f"The default {audience_key} {phase} template failed: {failure}"
            ) from None
        texts = Texts(**_render_one_by_one(default_source(audience_key, phase), context))
        texts.error = (
            f"The {audience_key} template for {PHASE_LABELS[phase]} failed "
            f"({failure}); the default text was used."
        )
        return texts


def render_in(audience_key: str, phase: str, language: str, context: dict) -> Texts | None:
    """The audience's template for ``phase`` in ``language`` (rendered with a context
    built in that language), or None when there is no template in it, or when staff's
    fails and no shipped translation stands in: the readers then get the English text."""
    if language == DEFAULT_LANGUAGE:
        return render(audience_key, phase, context)
    found = source_in(audience_key, phase, language) if known(audience_key, phase) else None
    if found is None:
        return None
    sources, origin = found
    try:
        return Texts(**_render_one_by_one(sources, context), source=origin)
    except _FieldError:
        fallback = translated_default(audience_key, phase, language)
        if origin == "default" or fallback is None:
            return None
        return Texts(**_render_one_by_one(fallback, context), source="default")


class _FieldError(Exception):
    pass


def _render_one_by_one(sources: dict[str, str], context: dict) -> dict[str, str]:
    out = {}
    for name in FIELDS:
        try:
            # A fact's own full stop before the template's is one full stop.
            out[name] = tidy(render_text(sources[name], context)).strip()
        except TemplateError as error:
            raise _FieldError(describe(error, name)) from None
        except Exception as error:  # a sandbox refusal, a bad filter argument …
            raise _FieldError(describe(error, name)) from None
    return out


def validate(sources: dict[str, str], sample_context: dict) -> list[str]:
    """Problems with a staff template, each naming the field and line; empty when it
    compiles and renders with a sample fact sheet."""
    problems = []
    for name in FIELDS:
        text = sources.get(name, "")
        if len(text) > MAX_TEMPLATE:
            problems.append(f"{name.replace('_', ' ')}: longer than {MAX_TEMPLATE} characters")
            continue
        try:
            compiled(text)
        except TemplateSyntaxError as error:
            problems.append(describe(error, name))
            continue
        try:
            rendered = render_text(text, sample_context).strip()
        except Exception as error:
            problems.append(describe(error, name))
            continue
        found = control_character(rendered) if name == "email_subject" else None
        if found is not None:
            problems.append(
                f"email subject: renders with {found}; a subject must be one line of plain text"
            )
    if not (sources.get("page_text") or "").strip():
        problems.append("page text: a template needs a page text")
    return problems


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ServiceError(
            f"There is no language {language!r}; use one of {', '.join(LANGUAGES)}.", "language"
        )


def _in_language(language: str) -> str:
    return "" if language == DEFAULT_LANGUAGE else f" in {LANGUAGE_NAMES[language]}"


def save(
    actor: User | None,
    audience_key: str,
    phase: str,
    sources: dict[str, str],
    sample_context: dict,
    language: str = DEFAULT_LANGUAGE,
) -> MessageTemplate:
    """Store a staff edit of a template (in one language) after checking it; refused
    with the line of any error, and nothing changes."""
    if not known(audience_key, phase):
        raise ServiceError(f"There is no {phase} template for {audience_key}.")
    check_language(language)
    sources = {name: (sources.get(name) or "").replace("\r\n", "\n") for name in FIELDS}
    problems = validate(sources, sample_context)
    if problems:
        raise ServiceError("The template has errors: " + "; ".join(problems), "template")
    row = stored(audience_key, phase, language) or MessageTemplate(
        audience_key=audience_key, phase=phase, language=language
    )
    for name in FIELDS:
        setattr(row, name, sources[name])
    row.updated_by_id = actor.id if actor else None
    db.session.add(row)
    audit.record(
        actor,
        "template.save",
        None,
        f"Edited the {audience_key} template for {PHASE_LABELS[phase]}{_in_language(language)}",
    )
    return row


def reset(
    actor: User | None, audience_key: str, phase: str, language: str = DEFAULT_LANGUAGE
) -> None:
    """Go back to the shipped default (in another language: to the shipped translation,
    or to none, when the English text is sent)."""
    check_language(language)
    row = stored(audience_key, phase, language)
    if row is not None:
        db.session.delete(row)
        audit.record(
            actor,
            "template.reset",
            None,
            f"Reset the {audience_key} template for {PHASE_LABELS[phase]}{_in_language(language)}",
        )


def all_templates() -> list[tuple[str, str, str]]:
    """(audience, phase, origin) for every template, for the admin list."""
    edited = {
        (r.audience_key, r.phase)
        for r in db.session.scalars(
            select(MessageTemplate).where(MessageTemplate.language == DEFAULT_LANGUAGE)
        )
    }
    # Each private page's audience has its own templates, starting from the customers'.
    pages = [
        (f"{PAGE_PREFIX}{slug}", TEMPLATE_PHASES["customers"])
        for slug in db.session.scalars(select(PrivatePage.slug).order_by(PrivatePage.slug))
    ]
    return [
        (audience, phase, "staff" if (audience, phase) in edited else "default")
        for audience, phases in [*TEMPLATE_PHASES.items(), *pages]
        for phase in phases
    ]
