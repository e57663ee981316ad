"""Admin: the update composer (one fact sheet, a draft per audience) and the draft set
page: editing, previews, checks, overrides, approval, the notify switches (publishing
and its confirmation are in ``approvals``).

Every rule lives in app/comms; these views only call it and show what it says."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import attempt, bp, form_errors
from app.admin.comms_forms import ComposeForm, OverrideForm, RejectForm
from app.admin.compose_continuity import (
    carried_in_present_tense,
    compose_changes,
    compose_defaults,
    facts_of,
    sheet_to_start_from,
)
from app.admin.forms import ActionForm, options
from app.admin.impact_notes import warn_about_sheet
from app.admin.incidents import all_components, chosen_statuses
from app.auth.permissions import requires
from app.comms import approval, drafting
from app.comms.added_sentences import dropped_additions
from app.comms.audience_keys import audience_label
from app.comms.cadence import cadence_minutes, pace_impact
from app.comms.checks import ERROR, blocking
from app.comms.finding_groups import channels, draft_texts, group_findings
from app.comms.phases import FIELDS
from app.comms.punctuation import tidy
from app.models import Component, Draft, FactSheet, Incident, User
from app.status.effective import dependents_of
from app.status.impact import impact_advice, implied_impact, incident_statuses
from core.db import db
from core.vocab import IMPACT_SEVERITY, IMPACTS
from core.words import counted
from subscribers.audiences import get_audience
from subscribers.channels.segments import encoding, segment_count
from subscribers.models import Broadcast

QUOTE_CONTEXT = 40  # characters shown either side of the words a finding is about
QUOTE_LONGEST = 120


@bp.app_template_global("comms_fact_sheets")
def fact_sheets_of(incident: Incident) -> list[FactSheet]:
    """The incident's sets of drafts, newest first (for the admin incident page)."""
    return list(
        db.session.scalars(
            select(FactSheet)
            .where(FactSheet.incident_id == incident.id)
            .order_by(FactSheet.created_at.desc(), FactSheet.id.desc())
        )
    )


@bp.app_template_filter("tidy_punctuation")
def tidy_punctuation(sentence: str) -> str:
    """A sentence built around someone's words (a comment ending in its own full stop)
    with each doubled mark made single."""
    return tidy(sentence)


@bp.app_template_global("comms_sheet_state")
def sheet_state(sheet: FactSheet) -> str:
    if sheet.published_at is not None:
        return "published"
    if sheet.drafts and all(d.state == "discarded" for d in sheet.drafts):
        return "discarded"
    if drafting.newer_set(sheet) is not None:
        return "replaced"
    return "in progress"


@bp.route("/incidents/<int:incident_id>/compose", methods=["GET", "POST"])
@requires("compose_updates")
def compose(incident_id: int):
    incident = db.get_or_404(Incident, incident_id)
    allowed = drafting.allowed_audiences(incident)
    audiences = {key: get_audience(key) for key in allowed}
    if request.method == "GET":
        start = sheet_to_start_from(incident, request.args.get("from"))
        form = ComposeForm(**compose_defaults(incident, allowed, start))
        if start is not None:
            chosen = {f"component-{key}": value for key, value in start.components.items()}
        else:
            prefilled = drafting.default_components(incident)
            chosen = {f"component-{c.id}": s for c, s in prefilled.items()}
    else:
        form = ComposeForm()
        chosen = request.form
    form.audiences.choices = options((k, a.name) for k, a in audiences.items())
    components = all_components()
    status = 200
    # "Show what changed" posts the form to see the changes; it writes nothing.
    submitted = form.is_submitted() and "show_changes" not in request.form
    if submitted and form.validate():

        def act():
            facts = facts_of(form)
            return drafting.compose(
                current_user,
                incident,
                status=form.status.data,
                facts=facts,
                audiences=form.audiences.data or [],
                impact=form.impact.data,
                components=chosen_statuses(components),
            )

        sheet, status = attempt(act)
        if sheet is not None:
            flash(
                f"Drafted the update for {counted(len(sheet.drafts), 'audience')}. "
                "Check each draft, then publish.",
                "success",
            )
            warn_about_sheet(sheet, form.audiences.data or [])
            return redirect(url_for("admin.fact_sheet", public_id=sheet.public_id))
    elif submitted:
        form_errors(form)
        status = 400
    cadence_impact = form.impact.data if form.impact.data in IMPACTS else pace_impact(incident)
    # Never below what the components imply: the texts and the page will say that one.
    implied, _ = implied_impact(incident_statuses(incident))
    cadence_impact = max(cadence_impact, implied, key=lambda i: IMPACT_SEVERITY.get(i, 0))
    # What the chosen components take down with them (shown, not chosen).
    dependent_ids = dependents_of({c.id for c in components if chosen.get(f"component-{c.id}")})
    dependents = [c for c in components if c.id in dependent_ids]
    return render_template(
        "admin/compose.html",
        incident=incident,
        form=form,
        components=components,
        chosen=chosen,
        dependents=dependents,
        audiences=audiences,
        # The cadence of the impact chosen on the form: the one this update will say.
        cadence=cadence_minutes(incident, cadence_impact),
        cadence_impact=cadence_impact,
        incident_advice=impact_advice(incident),
        first_update=drafting.first_update(incident),
        changes=compose_changes(incident, form, chosen, components),
        past_tense=carried_in_present_tense(incident, form),
        # A set a newer one replaced waits for nobody: only the newest is named.
        waiting_sets=[s for s in drafting.live_sets(incident) if drafting.newer_set(s) is None],
    ), status


def _sheet_or_404(public_id: str) -> FactSheet:
    sheet = db.session.scalar(select(FactSheet).where(FactSheet.public_id == public_id))
    if sheet is None:
        abort(404)
    return sheet


def _finding_key(finding: dict) -> str:
    return f"{finding['code']}:{finding['field']}:{finding['start']}"


def quote(text: str, start: int, end: int) -> dict | None:
    """The words a finding is about with a little text either side, or None when the
    finding is about the whole text (or the facts)."""
    if end <= start or start >= len(text):
        return None
    words = text[start:end]
    if len(words) > QUOTE_LONGEST:
        words = f"{words[: QUOTE_LONGEST // 2]} … {words[-QUOTE_LONGEST // 3 :]}"
    before = text[max(0, start - QUOTE_CONTEXT) : start]
    after = text[end : end + QUOTE_CONTEXT]
    return {
        "before": ("…" if start > QUOTE_CONTEXT else "") + before,
        "words": words,
        "after": after + ("…" if end + QUOTE_CONTEXT < len(text) else ""),
    }


def _names(*ids) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(wanted)))
    return {u.id: u.display_name or u.email for u in users}


def _card(draft: Draft, posted: dict | None, people: dict[int, str]) -> dict:
    audience = get_audience(draft.audience_key)
    overrides = draft.overrides or {}
    stops = {_finding_key(f) for f in blocking(draft.findings or [], overrides)}
    findings = []
    # The same finding in several channels is shown (and counted) once, with its channels.
    for group in group_findings(draft.findings or [], draft_texts(draft)):
        finding, keys = group[0], [_finding_key(f) for f in group]
        text = getattr(draft, finding["field"], "") if finding["field"] in FIELDS else ""
        findings.append(
            {
                **finding,
                "key": keys[0],
                "where": channels(group),
                "quote": quote(text or "", finding["start"], finding["end"]),
                "override": overrides.get(keys[0]) if all(k in overrides for k in keys) else None,
                "blocking": any(k in stops for k in keys),
                "is_error": finding["severity"] == ERROR,
            }
        )
    texts = {name: getattr(draft, name) for name in FIELDS}
    if posted:
        texts.update({k: v for k, v in posted.items() if k in FIELDS})
    sms = draft.sms_text or ""
    return {
        "draft": draft,
        "audience": audience,
        "texts": texts,
        "findings": findings,
        "errors": sum(1 for f in findings if f["is_error"]),
        "blocking": sum(1 for f in findings if f["blocking"]),
        "sms": {
            "segments": segment_count(sms),
            "encoding": encoding(sms),
            "chars": len(sms),
            "limit": audience.sms_max_segments,
        },
        "page_chars": len(draft.page_text or ""),
        "live": draft.state not in ("published", "discarded"),
        "author": people.get(draft.author_id, ""),
        "edited_by": people.get(draft.edited_by_id, ""),
        "approved_by": people.get(draft.approved_by_id, ""),
        "rejected_by": people.get(draft.rejected_by_id, ""),
        # The approve form sends it back: an edit made meanwhile is never approved unseen.
        "revision": approval.revision(draft),
    }


def _sheet_page(sheet: FactSheet, status: int = 200, posted: tuple[int, dict] | None = None):
    drafts = list(sheet.drafts)
    people = _names(
        sheet.author_id,
        sheet.published_by_id,
        *[i for d in drafts for i in (d.author_id, d.edited_by_id)],
        *[i for d in drafts for i in (d.approved_by_id, d.rejected_by_id)],
    )
    cards = [_card(d, posted[1] if posted and posted[0] == d.id else None, people) for d in drafts]
    broadcasts = {
        b.id: b
        for b in db.session.scalars(
            select(Broadcast).where(
                Broadcast.id.in_([d.broadcast_id for d in drafts if d.broadcast_id])
            )
        )
    }
    return render_template(
        "admin/fact_sheet.html",
        sheet=sheet,
        incident=sheet.incident,
        state=sheet_state(sheet),
        cards=cards,
        waiting=approval.who_must_act(sheet) if sheet.published_at is None else [],
        newer_set=drafting.newer_set,
        dropped=dropped_additions(sheet) if sheet.published_at is None else {},
        broadcasts=broadcasts,
        people=people,
        components={
            c.id: c
            for c in db.session.scalars(
                select(Component).where(Component.id.in_([int(i) for i in sheet.components or {}]))
            )
        },
        action_form=ActionForm(),
        reject_form=RejectForm(),
        override_form=OverrideForm(),
    ), status


@bp.get("/fact-sheets/<public_id>")
@requires("view_admin")
def fact_sheet(public_id: str):
    sheet = _sheet_or_404(public_id)
    if sheet.published_at is None:
        # Times move on: a next-update time can have fallen into the past since the
        # drafts were written. The checks run again for this page; a GET saves nothing
        # (publishing runs them again and keeps what it finds).
        drafting.refresh_all(sheet)
    page = _sheet_page(sheet)
    db.session.rollback()
    return page


def _back(draft: Draft):
    return redirect(
        url_for("admin.fact_sheet", public_id=draft.fact_sheet.public_id)
        + f"#draft-{draft.audience_key}"
    )


@bp.post("/drafts/<int:draft_id>/edit")
@requires("compose_updates")
def edit_draft(draft_id: int):
    draft = db.get_or_404(Draft, draft_id)
    # Only the fields the form sent: a missing field is left alone, never emptied.
    texts = {name: request.form[name] for name in FIELDS if name in request.form}
    was_approved = draft.state == "approved"
    result, status = attempt(lambda: drafting.edit_draft(current_user, draft, **texts))
    if result is None:
        return _sheet_page(draft.fact_sheet, status, posted=(draft.id, texts))
    named = audience_label(draft.audience_key, in_sentence=True)
    if was_approved and draft.state != "approved":
        flash(
            f"Saved the {named} draft. Its approval was voided: "
            "an approver has to look at it again.",
            "success",
        )
    else:
        flash(f"Saved the {named} draft; the checks ran again.", "success")
    return _back(draft)


@bp.post("/drafts/<int:draft_id>/notify")
@requires("compose_updates")
def notify_draft(draft_id: int):
    draft = db.get_or_404(Draft, draft_id)
    notify = request.form.get("notify") in ("on", "1", "true", "y", "yes")
    return _act_on(
        draft,
        lambda: drafting.set_notify(current_user, draft, notify),
        f"Publishing will {'notify' if notify else 'not notify'} "
        f"the {audience_label(draft.audience_key, in_sentence=True)} subscribers.",
    )


def _act_on(draft: Draft, action, done: str):
    """Run a service action on a draft: the set's page with the reason when refused, back
    to the draft with ``done`` when it worked."""
    result, status = attempt(action)
    if result is None:
        return _sheet_page(draft.fact_sheet, status)
    flash(done, "success")
    return _back(draft)


@bp.post("/drafts/<int:draft_id>/override")
@requires("compose_updates")
def override_finding(draft_id: int):
    draft = db.get_or_404(Draft, draft_id)
    form = OverrideForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _sheet_page(draft.fact_sheet, 400)
    return _act_on(
        draft,
        lambda: approval.override(current_user, draft, form.key.data or "", form.reason.data or ""),
        "The warning is overridden; your reason is recorded.",
    )


@bp.post("/drafts/<int:draft_id>/approve")
@requires("approve_drafts")
def approve_draft(draft_id: int):
    draft = db.get_or_404(Draft, draft_id)
    return _act_on(
        draft,
        lambda: approval.approve(
            current_user,
            draft,
            request.form.get("comment", ""),
            revision=request.form.get("revision"),
        ),
        f"Approved the {audience_label(draft.audience_key, in_sentence=True)} draft.",
    )


@bp.post("/drafts/<int:draft_id>/reject")
@requires("approve_drafts")
def reject_draft(draft_id: int):
    draft = db.get_or_404(Draft, draft_id)
    form = RejectForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _sheet_page(draft.fact_sheet, 400)
    return _act_on(
        draft,
        lambda: approval.reject(current_user, draft, form.comment.data or ""),
        f"Sent the {audience_label(draft.audience_key, in_sentence=True)} draft back to its "
        "author.",
    )


@bp.post("/fact-sheets/<public_id>/discard")
@requires("compose_updates")
def discard(public_id: str):
    sheet = _sheet_or_404(public_id)
    result, status = attempt(lambda: drafting.discard(current_user, sheet) or sheet)
    if result is None:
        return _sheet_page(sheet, status)
    flash("Discarded the drafts; nothing was published.", "success")
    return redirect(url_for("admin.incident", incident_id=sheet.incident_id))
