"""Publishing a set of drafts: one update on the pages, one broadcast per audience."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.comms import cadence, drafting
from app.comms.audience_keys import TEAMS, audience_label
from app.comms.checks import ERROR, blocking
from app.comms.drafting import allowed_audiences, check_current
from app.comms.finding_groups import draft_texts, group_findings
from app.comms.sheet_texts import count_lengths_to, sheet_components
from app.incidents.services import edit_incident, record_update
from app.models import Draft, FactSheet, IncidentUpdate, User, utcnow
from app.notifier import notifier
from app.notifier.events import AudienceText, UpdatePublished
from app.notifier.team_updates import sent_to_teams
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.words import counted


@dataclass
class Published:
    sheet: FactSheet
    update: IncidentUpdate
    sent: list[tuple[Draft, object]] = field(default_factory=list)  # (draft, broadcast|None)
    repeated: bool = False  # this request found the set already published
    # The teams' draft goes out as one broadcast per team: (draft, team name, broadcast).
    to_teams: list[tuple[Draft, str, object]] = field(default_factory=list)

    def notified(self, draft: Draft) -> bool:
        """Whether publishing sent the draft's audience anything."""
        if draft.audience_key == TEAMS:
            return any(d.id == draft.id for d, _, _ in self.to_teams)
        return any(d.id == draft.id and b is not None for d, b in self.sent)


def _result(sheet: FactSheet, repeated: bool) -> Published:
    from subscribers.models import Broadcast

    drafts = [d for d in sheet.drafts if d.state == "published"]
    return Published(
        sheet,
        db.session.get(IncidentUpdate, sheet.update_id),
        [
            (d, db.session.get(Broadcast, d.broadcast_id) if d.broadcast_id else None)
            for d in drafts
        ],
        repeated,
        _to_teams(drafts),
    )


def _to_teams(drafts: list[Draft]) -> list[tuple[Draft, str, object]]:
    return [(d, name, b) for d in drafts if d.audience_key == TEAMS for name, b in sent_to_teams(d)]


def _chosen(sheet: FactSheet, audiences: list[str] | None) -> list[Draft]:
    live = [d for d in sheet.drafts if d.state not in ("discarded",)]
    if audiences is None:
        return live
    keys = set(audiences)
    missing = keys - {d.audience_key for d in live}
    if missing:
        raise ServiceError(f"No draft for {', '.join(sorted(missing))} in this set.", "audiences")
    return [d for d in live if d.audience_key in keys]


def _check_ready(sheet: FactSheet, drafts: list[Draft]) -> None:
    problems = []
    incident = sheet.incident
    # The incident may have been made internal since its drafts were written (or
    # approved): a public audience's draft is then never published nor sent.
    allowed = allowed_audiences(incident)
    for draft in drafts:
        name = audience_label(draft.audience_key, in_sentence=True)
        if draft.audience_key not in allowed:
            problems.append(
                f"{name}: the incident is internal now, so this public "
                "audience's draft cannot be published (leave it out)"
            )
            continue
        # One finding in several channels counts once, as "Who has to act" counts it.
        stops = group_findings(blocking(draft.findings, draft.overrides or {}), draft_texts(draft))
        errors = sum(group[0]["severity"] == ERROR for group in stops)
        if errors:
            problems.append(f"{name}: {counted(errors, 'error')} to fix")
        if len(stops) > errors:
            warnings = counted(len(stops) - errors, "warning")
            problems.append(f"{name}: {warnings} to fix or give a reason for")
        if draft.state == "rejected":
            problems.append(f"{name}: rejected ({draft.review_comment})")
        elif draft.needs_approval and draft.state != "approved" and not errors:
            # With an error, approval cannot come first: fixing it is the next step.
            problems.append(f"{name}: waiting for approval")
    keys = {d.audience_key for d in drafts}
    if incident.is_public and "customers" not in keys:
        problems.append("a public incident's update needs the customers text for the page")
    if not drafts:
        problems.append("choose at least one draft")
    if problems:
        raise ServiceError("Not ready to publish: " + "; ".join(problems) + ".", "drafts")


def published_with(idempotency_key: str | None) -> FactSheet | None:
    """The set this Idempotency-Key already published, if any."""
    if not idempotency_key:
        return None
    return db.session.scalar(select(FactSheet).where(FactSheet.idempotency_key == idempotency_key))


def publish_set(actor: User, sheet: FactSheet, **options) -> Published:
    """Publishing as the admin's button and the API do it: the checks run again first (a
    promised time may have passed), committed on their own so that ``publish`` then
    claims the set with nothing else locked and a refusal shows the fresh findings; then
    ``publish`` with ``options``. A set already published (or an Idempotency-Key already
    used) is not checked again: ``publish`` returns the first result."""
    if sheet.published_at is None and published_with(options.get("idempotency_key")) is None:
        drafting.refresh_all(sheet)
        db.session.commit()
    return publish(actor, sheet, **options)


def publish(
    actor: User,
    sheet: FactSheet,
    *,
    audiences: list[str] | None = None,
    notify: dict[str, bool] | None = None,
    idempotency_key: str | None = None,
) -> Published:
    """Publish the chosen drafts: the customers text on the public page, the engineering
    text on the internal page, component statuses applied, and a broadcast to each
    audience whose notify switch is on. Publishing twice (a double click, a retried
    request, the same Idempotency-Key) publishes once and returns the first result."""
    earlier = published_with(idempotency_key)
    if earlier is not None:
        if earlier.id != sheet.id:
            raise Conflict(
                "That Idempotency-Key was already used for another update.", "idempotency_key"
            )
        return _result(earlier, repeated=True)
    if sheet.published_at is not None:
        return _result(sheet, repeated=True)
    check_current(sheet)
    drafts = _chosen(sheet, audiences)
    _check_ready(sheet, drafts)
    now = utcnow()
    # Claim the set: of two concurrent requests, only one changes the row.
    try:
        claimed = db.session.execute(
            update(FactSheet)
            .where(FactSheet.id == sheet.id, FactSheet.published_at.is_(None))
            .values(published_at=now, published_by_id=actor.id, idempotency_key=idempotency_key)
            .execution_options(synchronize_session=False, preserve_rowcount=True)
        ).rowcount
    except IntegrityError:
        # Another set was published with the same Idempotency-Key at the same moment
        # (after the check above): the key is unique, and it is that other set's.
        db.session.rollback()
        raise Conflict(
            "That Idempotency-Key was already used for another update.", "idempotency_key"
        ) from None
    if claimed != 1:
        db.session.rollback()
        db.session.refresh(sheet)
        return _result(sheet, repeated=True)
    db.session.refresh(sheet)
    incident = sheet.incident
    count_lengths_to(sheet, drafts, now)
    by_key = {d.audience_key: d for d in drafts}
    # The public page shows the customers text; without one (an internal incident) the
    # update has no public text at all, so nothing internal can surface later.
    public_text = by_key["customers"].page_text if "customers" in by_key else ""
    engineering = by_key.get("engineering")
    internal_text = engineering.page_text if engineering else drafts[0].page_text
    if sheet.impact != incident.impact:
        edit_incident(actor, incident, impact=sheet.impact)
    components = sheet_components(sheet)
    switches = notify or {}
    told = [d for d in drafts if switches.get(d.audience_key, d.notify)]
    posted, was = record_update(
        actor,
        incident,
        sheet.status,
        public_text,
        # The internal page shows the engineering text; with no public text, whichever
        # internal text there is.
        internal_text if (engineering or not public_text) else "",
        components,
        # Notifications go out (the timeline says so, and on resolution every team is told).
        deliver_notifications=bool(told),
    )
    sheet.update_id = posted.id
    for draft in drafts:
        draft.state, draft.published_at = "published", now
    texts = tuple(
        AudienceText(d.audience_key, d.email_subject, d.email_body, d.sms_text, d) for d in told
    )
    broadcasts = {
        b.id: b
        for b in notifier.notify(UpdatePublished(incident, posted, was, texts, published_by=actor))
    }
    sent = [(d, broadcasts.get(d.broadcast_id) if d in told else None) for d in drafts]
    for other in sheet.drafts:
        if other not in drafts and other.state not in ("published",):
            other.state = "discarded"
    incident.comms_lead_id = incident.comms_lead_id or actor.id
    cadence.schedule_next(incident, now, sheet.next_update_at)
    audit.record(
        actor,
        "update.publish",
        incident,
        f"Published the {sheet.status} update for {', '.join(d.audience_key for d in drafts)}",
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("That Idempotency-Key was already used.", "idempotency_key") from None
    return Published(sheet, posted, sent, to_teams=_to_teams(drafts))
