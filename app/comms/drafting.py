"""From one fact sheet to a draft per audience, and editing drafts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from app.comms import cadence, removed_sentences, templating
from app.comms.audience_keys import (
    AUDIENCE_ORDER,
    PAGE_PREFIX,
    PUBLIC_KEYS,
    TEAM_DRAFT_PHASES,
    TEAMS,
    draft_order,
    is_external,
)
from app.comms.checks import ERROR, check_texts
from app.comms.context import Facts
from app.comms.continuity import last_fact_sheet
from app.comms.phases import FIELDS, INCIDENT_PHASES
from app.comms.sheet_texts import sheet_context
from app.comms.translated_checks import translated_sms_findings
from app.models import Component, Draft, FactSheet, Incident, PrivatePage, User, utcnow
from app.models.pages import page_components
from app.notifier import notifier
from app.notifier.events import DraftsAwaitApproval
from app.textrules import check_single_line
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.vocab import COMPONENT_STATUSES, IMPACTS, STATUS_LABELS
from core.words import counted
from subscribers.audiences import get_audience
from subscribers.models import Audience

MAX_TEXT = 20_000


def allowed_audiences(incident: Incident) -> tuple[str, ...]:
    """An internal incident has no public audiences (nor private pages' audiences: their
    readers are outside); a public one has those of the private pages that show one of
    its components too."""
    if not incident.is_public:
        return tuple(a for a in AUDIENCE_ORDER if a not in PUBLIC_KEYS)
    touched = [link.component_id for link in incident.affected]
    pages = [
        f"{PAGE_PREFIX}{slug}"
        for slug in db.session.scalars(
            select(PrivatePage.slug)
            .join(page_components, page_components.c.page_id == PrivatePage.id)
            .where(page_components.c.component_id.in_(touched))
            .distinct()
            .order_by(PrivatePage.slug)
        )
    ]
    return tuple(sorted((*AUDIENCE_ORDER, *pages), key=draft_order))


def default_components(incident: Incident) -> dict[Component, str]:
    """The composer's pre-filled statuses: what the incident gives each component now."""
    return {link.component: link.component.status for link in incident.affected}


def _check_facts(status: str, impact: str, facts: Facts, components: dict) -> None:
    if status not in INCIDENT_PHASES:
        raise ServiceError(f"Status must be one of {', '.join(INCIDENT_PHASES)}.", "status")
    if impact not in IMPACTS:
        raise ServiceError(f"Impact must be one of {', '.join(IMPACTS)}.", "impact")
    if not facts.summary.strip():
        raise ServiceError(
            "Say what is happening: the summary is the one fact every audience needs.", "summary"
        )
    for value in (facts.summary, facts.customer_impact, facts.workaround, facts.technical_detail):
        if len(value) > MAX_TEXT:
            raise ServiceError(f"A fact can be at most {MAX_TEXT} characters.", "facts")
    for moment in (facts.eta, facts.next_update_at):
        if moment is not None and moment.tzinfo is None:
            raise ServiceError("Times must carry a time zone.", "facts")
    for component, value in components.items():
        if value not in COMPONENT_STATUSES:
            raise ServiceError(
                f"{value!r} is not a component status (for {component.name}).", "components"
            )
    # Found by a new user: a resolved set that kept "Major outage" left the component
    # broken on every page, under texts saying service was back to normal.
    still = [
        f"{c.name} ({STATUS_LABELS[s].lower()})"
        for c, s in components.items()
        if s != "operational"
    ]
    if status == "resolved" and still:
        raise ServiceError(
            f"A resolved update cannot leave {', '.join(still)}: set "
            f"{'it' if len(still) == 1 else 'each'} to operational. (Another open incident "
            "that holds a component keeps it so on the pages.)",
            "components",
        )


def first_update(incident: Incident) -> bool:
    return incident.announced_at is None


def refresh_findings(
    draft: Draft, sheet: FactSheet | None = None, now: datetime | None = None
) -> None:
    sheet = sheet or draft.fact_sheet
    audience = get_audience(draft.audience_key)
    findings = check_texts(
        {name: getattr(draft, name) for name in FIELDS},
        audience_key=draft.audience_key,
        tone=audience.tone,
        status=sheet.status,
        facts=Facts.of(sheet),
        first_update=first_update(sheet.incident),
        sms_max_segments=audience.sms_max_segments,
        page_max_chars=audience.page_max_chars,
        now=now,
    )
    findings += translated_sms_findings(draft, sheet, audience.sms_max_segments)
    draft.findings = [f.as_dict() for f in findings]
    if draft.template_error:
        draft.findings.append(
            {
                "severity": "warning",
                "code": "template_error",
                "message": draft.template_error,
                "field": "page_text",
                "start": 0,
                "end": 0,
            }
        )
    # An override stays only while its finding is still there.
    keys = {f"{f['code']}:{f['field']}:{f['start']}" for f in draft.findings}
    draft.overrides = {k: v for k, v in (draft.overrides or {}).items() if k in keys}


def render_texts(
    sheet: FactSheet, audience_key: str, now: datetime | None = None
) -> templating.Texts:
    """The audience's texts for ``sheet``, the incident's length counted to ``now``."""
    context = sheet_context(sheet, audience_key, now)
    return templating.render(audience_key, sheet.status, context)


def _draft_for(sheet: FactSheet | None, audience_key: str) -> Draft | None:
    """The draft of ``sheet`` for one audience (None without a sheet or such a draft)."""
    if sheet is None:
        return None
    return next((d for d in sheet.drafts if d.audience_key == audience_key), None)


def compose(
    actor: User | None,
    incident: Incident,
    *,
    status: str,
    facts: Facts,
    audiences: list[str],
    impact: str | None = None,
    components: dict[Component, str] | None = None,
) -> FactSheet:
    """Write the fact sheet and render a draft for each chosen audience from its
    template. Nothing is published and nothing is sent. The incident's earlier sets not
    yet published are replaced: only the newest may be approved and published."""
    impact = impact or incident.impact
    if components is None:
        components = default_components(incident)
        if status == "resolved":  # resolving gives each of its components back
            components = dict.fromkeys(components, "operational")
    _check_facts(status, impact, facts, components)
    if status == "resolved":
        # A resolved incident promises no next update (found by a new user: resolving in
        # the composer kept the time it had suggested before).
        facts = replace(facts, next_update_at=None)
    if not audiences:
        raise ServiceError("Choose at least one audience.", "audiences")
    allowed = allowed_audiences(incident)
    unknown = [a for a in audiences if a not in allowed]
    if unknown:
        reason = (
            "an internal incident has no public audiences"
            if not incident.is_public and all(is_external(a) for a in unknown)
            else f"choose among {', '.join(allowed)}"
        )
        raise ServiceError(f"Cannot draft for {', '.join(unknown)}: {reason}.", "audiences")
    if TEAMS in audiences and status not in TEAM_DRAFT_PHASES:
        # At resolution Herald tells every team itself, with which of its services are
        # operational again and which still not: the teams get no draft (not an error,
        # so that "every audience" still resolves, from Slack as from the composer).
        audiences = [key for key in audiences if key != TEAMS]
        if not audiences:
            raise ServiceError(
                "Herald tells every team itself when the incident is resolved: choose "
                "another audience for this update.",
                "audiences",
            )
    if incident.is_public and "customers" not in audiences and first_update(incident):
        raise ServiceError(
            "The first update of a public incident needs a customers text: "
            "it is what the public page shows.",
            "audiences",
        )
    replaced = len(live_sets(incident))
    paced_by = cadence.pace_impact(incident)
    earlier = last_fact_sheet(incident)  # what the lead edited last, before this one
    now = utcnow()  # the set's moment: its texts count the incident's length to it
    sheet = FactSheet(
        created_at=now,
        incident=incident,
        status=status,
        impact=impact,
        components={str(c.id): s for c, s in components.items()},
        summary=facts.summary.strip(),
        customer_impact=facts.customer_impact.strip(),
        workaround=facts.workaround.strip(),
        eta=facts.eta,
        next_update_at=facts.next_update_at,
        technical_detail=facts.technical_detail.strip(),
        author_id=actor.id if actor else None,
    )
    db.session.add(sheet)
    for key in sorted(dict.fromkeys(audiences), key=draft_order):
        audience: Audience = get_audience(key)
        texts = render_texts(sheet, key, now)
        before = _draft_for(earlier, key)
        carried_edit = None
        # A sentence the lead removed from it stays out while the facts keep it.
        if (
            before is not None
            and before.state != "discarded"
            and removed_sentences.keep(texts, render_texts(earlier, key), before)
        ):
            carried_edit = before.edited_by_id or (actor.id if actor else None)
        draft = Draft(
            edited_by_id=carried_edit,
            fact_sheet=sheet,
            audience_key=key,
            needs_approval=audience.needs_approval,
            author_id=actor.id if actor else None,
            template_error=texts.error,
            **texts.as_dict(),
        )
        db.session.add(draft)
        refresh_findings(draft, sheet)
    db.session.flush()
    # The reminder keeps pace with the impact this set will say.
    cadence.repace(incident, paced_by)
    audit.record(
        actor,
        "draft.compose",
        incident,
        f"Drafted a {status} update of {incident.name} for {', '.join(audiences)}"
        + (f"; it replaces {counted(replaced, 'set')} not yet published" if replaced else ""),
    )
    if any(d.needs_approval for d in sheet.drafts):
        notifier.notify(DraftsAwaitApproval(sheet))
    return sheet


def _blocked(draft: Draft) -> bool:
    """A blocking error keeps approvers from approving ``draft``."""
    return any(f.get("severity") == ERROR for f in draft.findings or [])


def _editable(draft: Draft) -> None:
    if draft.state in ("published", "discarded"):
        raise Conflict(f"This draft is {draft.state}; it can no longer be edited.")


def edit_draft(actor: User | None, draft: Draft, **texts: str) -> Draft:
    """Change a draft's texts. Editing an approved draft voids its approval; a rejected
    draft goes back to the approvers."""
    _editable(draft)
    unknown = set(texts) - set(FIELDS)
    if unknown:
        raise ServiceError(f"Unknown draft fields: {', '.join(sorted(unknown))}.")
    for name, value in texts.items():
        if value is None:
            continue
        if len(value) > MAX_TEXT:
            raise ServiceError(
                f"The {name.replace('_', ' ')} can be at most {MAX_TEXT} characters.", name
            )
        if name == "email_subject":
            # It becomes an email header: one line (the bodies keep their line breaks).
            check_single_line(value, "The email subject", name)
    changes = audit.diff(
        draft, {k: v.replace("\r\n", "\n") for k, v in texts.items() if v is not None}
    )
    if not changes:
        return draft
    voided = draft.state == "approved"
    reviewed = draft.state in ("approved", "rejected")
    was_blocked = _blocked(draft)
    if reviewed:
        draft.state = "pending"
        draft.approved_by_id = draft.approved_at = None
    draft.edited_by_id = actor.id if actor else None
    draft.template_error = ""
    refresh_findings(draft)
    if draft.needs_approval and (reviewed or was_blocked) and not _blocked(draft):
        # Back to its approvers, once per save: fixed, or edited after a review.
        db.session.flush()
        at = int(utcnow().timestamp() * 1_000_000)
        sheet = draft.fact_sheet
        notifier.notify(DraftsAwaitApproval(sheet, (draft,), f"draft:{draft.id}:ready:{at}"))
    audit.record(
        actor,
        "draft.edit",
        draft.fact_sheet.incident,
        f"Edited the {draft.audience_key} draft" + (" (its approval was voided)" if voided else ""),
        {k: ["…", "…"] for k in changes},
    )
    return draft


def set_notify(actor: User | None, draft: Draft, notify: bool) -> Draft:
    """Whether publishing this draft also sends it to the audience's subscribers."""
    _editable(draft)
    draft.notify = bool(notify)
    return draft


def _sets_of(incident: Incident) -> list[FactSheet]:
    return list(db.session.scalars(select(FactSheet).where(FactSheet.incident_id == incident.id)))


def live_sets(incident: Incident) -> list[FactSheet]:
    """The incident's sets someone may still act on (a new set replaces them)."""
    return [sheet for sheet in _sets_of(incident) if is_live(sheet)]


def is_live(sheet: FactSheet) -> bool:
    """Not published, and with a draft not discarded: a set someone may still act on."""
    return sheet.published_at is None and any(
        d.state not in ("published", "discarded") for d in sheet.drafts
    )


def newer_set(sheet: FactSheet) -> FactSheet | None:
    """The set written after ``sheet`` that replaces it (published or still live), if
    any: an approver must not approve, nor a lead publish, a set a newer one replaced."""
    later = [
        other
        for other in _sets_of(sheet.incident)
        if other.id > sheet.id and (other.published_at is not None or is_live(other))
    ]
    return max(later, key=lambda other: other.id, default=None)


def check_current(sheet: FactSheet) -> None:
    if newer_set(sheet) is not None:
        raise Conflict(
            "A newer set of drafts replaces this one: approve and publish that one "
            "(or discard this one).",
            "fact_sheet",
        )


def discard(actor: User | None, sheet: FactSheet) -> None:
    """Drop an unpublished fact sheet and its drafts."""
    if sheet.published_at is not None:
        raise ServiceError("A published update cannot be discarded.")
    paced_by = cadence.pace_impact(sheet.incident)
    for draft in sheet.drafts:
        draft.state = "discarded"
    db.session.flush()
    cadence.repace(sheet.incident, paced_by)
    audit.record(actor, "draft.discard", sheet.incident, "Discarded a set of drafts")


def refresh_all(sheet: FactSheet) -> None:
    """Run the checks again (times move on: a next-update time can fall into the past)."""
    now = utcnow()
    for draft in sheet.drafts:
        if draft.state not in ("published", "discarded"):
            refresh_findings(draft, sheet, now)
