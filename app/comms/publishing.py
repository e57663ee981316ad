"""Publishing a set of drafts: one update on the pages, one broadcast per audience."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.comms import cadence
from app.comms.checks import blocking
from app.comms.drafting import _components_of, allowed_audiences
from app.comms.messages import message_from_texts, send
from app.errors import Conflict, ServiceError
from app.extensions import db
from app.incidents.services import edit_incident, post_incident_update
from app.models import Draft, FactSheet, IncidentUpdate, User, utcnow
from app.status.components import dependents_of


@dataclass
class Published:
    sheet: FactSheet
    update: IncidentUpdate
    sent: list[tuple[Draft, object]] = field(default_factory=list)  # (draft, broadcast|None)
    repeated: bool = False  # this request found the set already published


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
    )


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
        if draft.audience_key not in allowed:
            problems.append(
                f"{draft.audience_key}: the incident is internal now, so this public "
                "audience's draft cannot be published (leave it out)"
            )
            continue
        stops = blocking(draft.findings, draft.overrides or {})
        if stops:
            problems.append(f"{draft.audience_key}: {len(stops)} finding(s) to fix or override")
        if draft.state == "rejected":
            problems.append(f"{draft.audience_key}: rejected ({draft.review_comment})")
        elif draft.needs_approval and draft.state != "approved":
            problems.append(f"{draft.audience_key}: waiting for approval")
    keys = {d.audience_key for d in drafts}
    if incident.is_public and "customers" not in keys:
        problems.append("a public incident's update needs the customers text for the page")
    if not drafts:
        problems.append("choose at least one draft")
    if problems:
        raise ServiceError("Not ready to publish: " + "; ".join(problems) + ".", "drafts")


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
    if idempotency_key:
        earlier = db.session.scalar(
            select(FactSheet).where(FactSheet.idempotency_key == idempotency_key)
        )
        if earlier is not None and earlier.id != sheet.id:
            raise Conflict(
                "That Idempotency-Key was already used for another update.", "idempotency_key"
            )
        if earlier is not None:
            return _result(earlier, repeated=True)
    if sheet.published_at is not None:
        return _result(sheet, repeated=True)
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
    by_key = {d.audience_key: d for d in drafts}
    # The public page shows the customers text; without one (an internal incident) the
    # update has no public text at all, so nothing internal can surface later.
    public_text = by_key["customers"].page_text if "customers" in by_key else ""
    engineering = by_key.get("engineering")
    internal_text = engineering.page_text if engineering else drafts[0].page_text
    if sheet.impact != incident.impact:
        edit_incident(actor, incident, impact=sheet.impact)
    components = _components_of(sheet)
    notify = notify or {}
    notifying = any(notify.get(d.audience_key, d.notify) for d in drafts)
    posted = post_incident_update(
        actor,
        incident,
        sheet.status,
        public_text,
        components,
        # Notifications go out (the timeline says so, and on resolution every team is
        # told), but each audience's own broadcast is sent below, not a generic notice.
        deliver_notifications=notifying,
        customers_notice=False,
        reviewed=True,  # the customers text was checked and approved in the workflow
        # The internal page shows the engineering text; with no public text, whichever
        # internal text there is.
        internal_body=internal_text if (engineering or not public_text) else "",
    )
    sheet.update_id = posted.id
    affected = {c.id for c in components} | {link.component_id for link in incident.affected}
    component_ids = sorted(affected | dependents_of(affected))
    sent = []
    for draft in drafts:
        draft.state, draft.published_at = "published", now
        broadcast = None
        if notify.get(draft.audience_key, draft.notify):
            message = message_from_texts(
                incident, draft.email_subject, draft.email_body, draft.sms_text, draft.audience_key
            )
            broadcast = send(
                incident,
                "update",
                draft.audience_key,
                message,
                source=f"draft:{draft.id}",
                component_ids=component_ids,
                draft=draft,
                drafted_by=draft.author,
                approved_by=draft.approved_by,
                published_by=actor,
                summary=f"{sheet.status}: {draft.email_subject}",
            )
            draft.broadcast_id = broadcast.id
        sent.append((draft, broadcast))
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
    return Published(sheet, posted, sent)
