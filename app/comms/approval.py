"""Approval: approvers approve or reject drafts with a comment; nobody approves their own
words; warnings are published only with a recorded reason."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from app.comms import drafting
from app.comms.audience_keys import audience_label
from app.comms.checks import ERROR, blocking
from app.comms.finding_groups import draft_texts, group_findings, same_keys
from app.comms.people import APPROVER_ROLES, approvers_for, author_of, leads_for
from app.models import Draft, FactSheet, User, utcnow
from app.notifier import notifier
from app.notifier.events import DraftReviewed
from core import audit
from core.errors import Conflict, ServiceError
from core.words import counted
from subscribers.audiences import get_audience


def public_text_needs_approval(actor: User | None, public: bool) -> bool:
    """Whether a person's public text written outside the drafts (a postmortem, a
    maintenance notice) waits for an approver: when the customers audience needs approval,
    as its drafts do. Texts Herald writes itself, or records as history (no actor), do
    not."""
    return actor is not None and public and get_audience("customers").needs_approval


def check_approver(actor: User, what: str, *author_ids: int | None) -> None:
    """Four eyes: only an approver signs ``what`` off, and never its author or editor."""
    if actor.role not in APPROVER_ROLES:
        raise ServiceError(f"Only an approver can approve {what}.", "role")
    if actor.id in author_ids:
        raise ServiceError(
            f"You wrote or edited {what}, so someone else has to approve it.", "approver"
        )


def _reviewable(draft: Draft) -> None:
    if draft.state in ("published", "discarded"):
        raise ServiceError(f"This draft is {draft.state}.")
    drafting.check_current(draft.fact_sheet)


def revision(draft: Draft) -> str:
    """A short fingerprint of what an approver reads: the audience and the four texts.
    The approve form and the API send back the one the approver saw, so an edit made in
    the meantime is never approved unseen."""
    digest = hashlib.sha256()
    for part in (
        draft.audience_key,
        draft.page_text,
        draft.email_subject,
        draft.email_body,
        draft.sms_text,
    ):
        data = (part or "").encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:16]


_revision_of = revision  # approve() takes a "revision" argument of its own


def approve(actor: User, draft: Draft, comment: str = "", revision: str | None = None) -> Draft:
    """An approver signs a draft off. The author (or whoever last edited it) cannot.
    With ``revision`` (the draft's revision() when the approver read it), a draft that
    changed since is refused."""
    _reviewable(draft)
    if actor.role not in APPROVER_ROLES:
        raise ServiceError("Only an approver can approve drafts.", "role")
    if revision is not None and revision.strip() != _revision_of(draft):
        raise Conflict("This draft changed since you opened it; review it again.", "revision")
    check_approver(actor, "this draft", draft.author_id, draft.edited_by_id)
    # One finding in several channels counts once, as "Who has to act" counts it.
    errors = group_findings(
        [f for f in draft.findings if f["severity"] == ERROR], draft_texts(draft)
    )
    if errors:
        raise ServiceError(
            f"This draft has {counted(len(errors), 'error')} to fix before it can be approved.",
            "findings",
        )
    draft.state = "approved"
    draft.approved_by_id, draft.approved_at = actor.id, utcnow()
    draft.rejected_by_id = draft.rejected_at = None
    draft.review_comment = (comment or "").strip()
    audit.record(
        actor,
        "draft.approve",
        draft.fact_sheet.incident,
        f"Approved the {audience_label(draft.audience_key, in_sentence=True)} draft",
    )
    notifier.notify(DraftReviewed(draft, actor, approved=True))
    return draft


def reject(actor: User, draft: Draft, comment: str) -> Draft:
    """An approver sends a draft back with a comment saying what to change."""
    _reviewable(draft)
    if actor.role not in APPROVER_ROLES:
        raise ServiceError("Only an approver can reject drafts.", "role")
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError("Say what should change: a rejection needs a comment.", "comment")
    draft.state = "rejected"
    draft.rejected_by_id, draft.rejected_at = actor.id, utcnow()
    draft.approved_by_id = draft.approved_at = None
    draft.review_comment = comment
    audit.record(
        actor,
        "draft.reject",
        draft.fact_sheet.incident,
        f"Rejected the {audience_label(draft.audience_key, in_sentence=True)} draft: {comment}",
    )
    notifier.notify(DraftReviewed(draft, actor, approved=False))
    return draft


def override(actor: User, draft: Draft, key: str, reason: str) -> Draft:
    """Publish despite a warning, for a recorded reason (errors cannot be overridden)."""
    _reviewable(draft)
    finding = next(
        (f for f in draft.findings if f"{f['code']}:{f['field']}:{f['start']}" == key), None
    )
    if finding is None:
        raise ServiceError("That finding is no longer there.", "finding")
    if finding["severity"] == ERROR:
        raise ServiceError("Errors cannot be overridden: change the text.", "finding")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ServiceError("Give a reason for publishing despite the warning.", "reason")
    given = {"reason": reason, "by": actor.email, "at": utcnow().isoformat(timespec="seconds")}
    # The same words found in the draft's other channels are the same finding: one reason.
    keys = same_keys(draft.findings, key, draft_texts(draft)) or [key]
    draft.overrides = {**(draft.overrides or {}), **{k: dict(given) for k in keys}}
    audit.record(
        actor,
        "draft.override",
        draft.fact_sheet.incident,
        f"Overrode “{finding['message']}” on the "
        f"{audience_label(draft.audience_key, in_sentence=True)} draft: {reason}",
    )
    return draft


@dataclass
class Waiting:
    """One thing left before a set is published, and the people whose move it is."""

    draft: Draft | None  # None: the whole set (publishing it)
    who: str  # approver, author, publisher
    what: str
    people: list[User] = field(default_factory=list)

    @property
    def names(self) -> str:
        """Who must act, by name ("Robin Approver or Sam Reviewer")."""
        names = [p.display_name for p in self.people]
        if not names:
            return ROLE_WORDS[self.who]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


ROLE_WORDS = {
    "approver": "an approver",
    "author": "the author",
    "publisher": "a communications lead",
}


def who_must_act(sheet: FactSheet) -> list[Waiting]:
    """What stands between the set and publishing, and whose move it is, by name. When
    nothing else is left, publishing is: someone always has to act on an unpublished set."""
    live = [d for d in sheet.drafts if d.state not in ("published", "discarded")]
    if sheet.published_at is not None or not live:
        return []
    if drafting.newer_set(sheet) is not None:
        return []  # replaced: nothing to approve or publish here (its page says so)
    waiting = []
    for draft in live:
        # One finding in several channels counts once.
        stops = group_findings(blocking(draft.findings, draft.overrides or {}), draft_texts(draft))
        errors = sum(group[0]["severity"] == ERROR for group in stops)
        warnings = len(stops) - errors
        todo = [f"fix {counted(errors, 'error')}"] if errors else []
        if warnings:
            todo.append(f"change the text or give a reason for {counted(warnings, 'warning')}")
        author = author_of(draft)
        if todo:
            waiting.append(Waiting(draft, "author", " and ".join(todo), author))
        if draft.state == "rejected":
            waiting.append(
                Waiting(
                    draft, "author", f"edit after the rejection: {draft.review_comment}", author
                )
            )
        elif draft.needs_approval and draft.state != "approved" and not errors:
            # An approver cannot approve a draft with errors: the author moves first.
            people = approvers_for(draft.author_id, draft.edited_by_id)
            waiting.append(Waiting(draft, "approver", "approve or reject", people))
    if not waiting:
        waiting.append(Waiting(None, "publisher", "publish", leads_for(sheet)))
    return waiting
