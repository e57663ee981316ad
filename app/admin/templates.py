"""Admin: the message templates, one per audience and phase. Staff edit the four texts,
preview them with sample facts (nothing is saved), save them once they render, or go
back to the shipped default."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from app.admin import attempt, bp, form_errors
from app.admin.forms import ActionForm
from app.auth.permissions import requires
from app.comms import templating
from app.comms.audience_keys import audience_label, is_page_audience
from app.comms.context import sample_context
from app.comms.language_checks import check_languages
from app.comms.phases import FIELDS, PHASE_LABELS, known
from app.comms.sandbox import render_text
from app.comms.template_limits import MAX_TEMPLATE
from app.models import MessageTemplate, User
from core.db import db
from core.vocab import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from subscribers.channels.segments import encoding, segment_count

AUDIENCE_LABELS = {
    "customers": "Customers",
    "press": "Press",
    "support": "Support",
    "engineering": "Engineering",
    "executives": "Executives",
    "teams": "Teams (owners of components)",
    "staff": "Staff (incident leads)",
}
LIMIT = Length(max=MAX_TEMPLATE)


class MessageTemplateForm(FlaskForm):
    page_text = TextAreaField("Page text (Markdown)", validators=[LIMIT])
    email_subject = StringField("Email subject", validators=[LIMIT])
    email_body = TextAreaField("Email body (Markdown)", validators=[LIMIT])
    sms_text = TextAreaField("SMS text", validators=[LIMIT])


def _label(audience: str) -> str:
    """How the audience reads: a private page's by the page's name ("Acme Corp")."""
    return AUDIENCE_LABELS.get(audience) or audience_label(audience)


def _in_sentence(audience: str) -> str:
    """The label within a sentence: "the customers template", "the Acme Corp template"."""
    return _label(audience) if is_page_audience(audience) else _label(audience).lower()


def _known_or_404(audience: str, phase: str) -> None:
    if not known(audience, phase):
        abort(404)


def _language_or_404() -> str:
    """The language being edited (``?language=de``); English when not given."""
    language = request.values.get("language") or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        abort(404)
    return language


def _sources_in(audience: str, phase: str, language: str) -> tuple[dict[str, str], str]:
    """The template in ``language`` and where it comes from; with none in that language
    ("none": its readers get the English text), the English one, to translate from."""
    found = templating.source_in(audience, phase, language)
    if found is not None:
        return found
    return templating.source(audience, phase)[0], "none"


def _in_language(language: str) -> str:
    return "" if language == DEFAULT_LANGUAGE else f" in {LANGUAGE_NAMES[language]}"


def _variables(context: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Every name a template can use, with its sample value, for the help table."""
    found = []
    for key, value in context.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found.extend(_variables(value, f"{name}."))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            found.append((name, f"a list of {{{', '.join(value[0])}}}, e.g. {value[0]}"))
        elif isinstance(value, list):
            found.append((name, f"a list: {', '.join(map(str, value))}"))
        else:
            found.append((name, str(value)))
    return found


def _preview(sources: dict[str, str], context: dict, language: str = DEFAULT_LANGUAGE) -> dict:
    """The four texts rendered with the sample facts (None where a text fails), the
    problems with the line of each, and the SMS's length in segments."""
    problems = templating.validate(sources, context)
    texts: dict[str, str | None] = {}
    for name in FIELDS:
        try:
            with force_locale(language):
                texts[name] = render_text(sources[name], context).strip()
        except Exception:  # reported in problems, with the line
            texts[name] = None
    sms = texts["sms_text"] or ""
    return {
        "texts": texts,
        "problems": problems,
        "sms": {"chars": len(sms), "segments": segment_count(sms), "encoding": encoding(sms)},
    }


@bp.get("/message-templates")
@requires("manage_templates")
def message_templates():
    every = db.session.scalars(select(MessageTemplate)).all()
    rows = {(r.audience_key, r.phase): r for r in every if r.language == DEFAULT_LANGUAGE}
    # Other languages: staff's template, the shipped translation, or none (English sent).
    translated = {(r.audience_key, r.phase, r.language) for r in every}
    editors = {
        u.id: u.display_name
        for u in db.session.scalars(
            select(User).where(User.id.in_([r.updated_by_id for r in rows.values()]))
        )
    }
    audiences: dict[str, list] = {}
    for audience, phase, origin in templating.all_templates():
        row = rows.get((audience, phase))
        audiences.setdefault(audience, []).append(
            {
                "phase": phase,
                "label": PHASE_LABELS.get(phase, phase),
                "origin": origin,
                "updated_at": row.updated_at if row is not None else None,
                "updated_by": editors.get(row.updated_by_id) if row is not None else None,
                "languages": [
                    (
                        language,
                        "staff"
                        if (audience, phase, language) in translated
                        else "default"
                        if templating.translated_default(audience, phase, language)
                        else "none",
                    )
                    for language in LANGUAGES
                    if language != DEFAULT_LANGUAGE
                ],
            }
        )
    return render_template(
        "admin/message_templates.html",
        audiences=[(key, _label(key), items) for key, items in audiences.items()],
    )


@bp.route("/message-templates/<audience>/<phase>", methods=["GET", "POST"])
@requires("manage_templates")
def edit_message_template(audience: str, phase: str):
    _known_or_404(audience, phase)
    language = _language_or_404()
    sources, origin = _sources_in(audience, phase, language)
    # A post shows what was posted (an empty field stays empty); a visit, the template.
    form = MessageTemplateForm() if request.method == "POST" else MessageTemplateForm(data=sources)
    # The sample facts, and the preview, in the template's language (dates, words).
    with force_locale(language):
        context = sample_context(audience, phase)
    preview = None
    status = 200
    here = {"language": language} if language != DEFAULT_LANGUAGE else {}
    if form.validate_on_submit():
        posted = {name: (getattr(form, name).data or "").replace("\r\n", "\n") for name in FIELDS}
        if request.form.get("action") == "preview":
            preview = _preview(posted, context, language)
        else:
            problems = templating.validate(posted, context)
            if problems:
                for problem in problems:
                    flash(f"Not saved: {problem}", "error")
                preview = _preview(posted, context, language)
                status = 400
            else:
                row, status = attempt(
                    lambda: templating.save(
                        current_user, audience, phase, posted, context, language
                    )
                )
                if row is not None:
                    flash(
                        f"Saved the {_in_sentence(audience)} template for "
                        f"{PHASE_LABELS[phase]}{_in_language(language)}.",
                        "success",
                    )
                    return redirect(
                        url_for(
                            "admin.edit_message_template", audience=audience, phase=phase, **here
                        )
                    )
    elif form.is_submitted():
        form_errors(form)
        status = 400
    row = templating.stored(audience, phase, language)
    return render_template(
        "admin/message_template.html",
        form=form,
        audience=audience,
        audience_label=_label(audience),
        phase=phase,
        phase_label=PHASE_LABELS.get(phase, phase),
        origin=origin,
        row=row,
        updated_by=db.session.get(User, row.updated_by_id) if row and row.updated_by_id else None,
        preview=preview,
        variables=_variables(context),
        reset_form=ActionForm(),
        language=language,
        here=here,
        language_names=LANGUAGE_NAMES,
        checks=check_languages(audience, phase),
    ), status


@bp.post("/message-templates/<audience>/<phase>/reset")
@requires("manage_templates")
def reset_message_template(audience: str, phase: str):
    _known_or_404(audience, phase)
    language = _language_or_404()
    if not ActionForm().validate_on_submit():
        abort(400)
    edited = templating.stored(audience, phase, language) is not None
    _, status = attempt(lambda: templating.reset(current_user, audience, phase, language))
    if status == 200 and edited:
        flash(
            f"The {_in_sentence(audience)} template for {PHASE_LABELS[phase]}"
            f"{_in_language(language)} is back to the default.",
            "success",
        )
    here = {"language": language} if language != DEFAULT_LANGUAGE else {}
    return redirect(url_for("admin.edit_message_template", audience=audience, phase=phase, **here))
