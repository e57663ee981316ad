"""What the management API answers: the public JSON's shapes (Statuspage's) for
components, incidents and updates, with the internal details staff may see, and the
workflow's own objects (fact sheets, drafts, broadcasts, the communication log).

Ids are the ones the public JSON shows (``public_id``); broadcasts have only a number,
given as a string. Times are ISO 8601 with the page's UTC offset."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from app.comms import log
from app.comms.approval import Waiting, revision
from app.comms.audience_keys import TEAMS
from app.comms.checks import blocking
from app.models import Component, Draft, FactSheet, Incident, IncidentUpdate, User
from app.notifier.team_updates import sent_to_teams
from app.status.impact import ImpactAdvice, impact_advice
from app.status.reads import component_dicts
from app.status.statuspage import component_json, incident_json, iso
from app.timeutil import page_zone
from core.db import db
from subscribers.channels.segments import segment_count
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import progress, reaches


def time(moment: datetime | None) -> str | None:
    return iso(moment, page_zone())


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


def _user_email(user_id: int | None) -> str | None:
    return _email(db.session.get(User, user_id)) if user_id else None


def component(c: Component) -> dict:
    """Statuspage's component (``status`` is the effective one) plus ``own_status``."""
    config = current_app.config
    data = component_json(c, config["PAGE_ID"], page_zone(), c.group.public_id if c.group else None)
    return {
        **data,
        "own_status": c.status,
        "visibility": c.visibility,
        "tier": c.tier,
        "team": c.team.name if c.team else None,
        "sla_percent": c.sla_percent,
        "credit_tiers": c.credit_tiers or [],
    }


def _incident_data(incident: Incident) -> dict:
    config = current_app.config
    return incident_json(
        incident,
        config["PAGE_ID"],
        page_zone(),
        config["PUBLIC_URL"],
        component_dicts("internal"),
        internal=True,  # staff see every update, those with only an internal text too
    )


def _with_internal_body(update_data: dict, updates: dict[str, IncidentUpdate]) -> dict:
    found = updates.get(update_data["id"])
    return {**update_data, "internal_body": found.internal_body if found else ""}


def incident(incident: Incident) -> dict:
    """Statuspage's incident, plus what only staff see: visibility, the announcement and
    next-update times, the communications lead, each update's engineering text and the
    fact sheets not yet published."""
    data = _incident_data(incident)
    updates = {u.public_id: u for u in incident.updates}
    data["incident_updates"] = [_with_internal_body(u, updates) for u in data["incident_updates"]]
    open_sheets = db.session.scalars(
        select(FactSheet)
        .where(FactSheet.incident_id == incident.id, FactSheet.published_at.is_(None))
        .order_by(FactSheet.created_at, FactSheet.id)
    ).all()
    return {
        **data,
        "visibility": incident.visibility,
        "announced_at": time(incident.announced_at),
        "next_update_due_at": time(incident.next_update_due_at),
        # The impact staff chose (the public JSON says the one Herald goes by, which
        # ``impact_warning`` suggests when it is higher).
        "impact": incident.impact,
        "impact_warning": impact_warning(impact_advice(incident)),
        "comms_lead": _user_email(incident.comms_lead_id),
        "created_by": _user_email(incident.created_by_id),
        "open_fact_sheets": [
            fact_sheet(s)
            for s in open_sheets
            if any(d.state not in ("discarded",) for d in s.drafts)
        ],
    }


def impact_warning(advice: ImpactAdvice | None) -> dict | None:
    """The impact is below what the components imply: a warning with the suggestion (the
    chosen impact is kept; what Herald tells people uses the higher one)."""
    return advice.as_dict() if advice is not None else None


def incident_update(update: IncidentUpdate) -> dict:
    """One update in Statuspage's incident_update shape (plus ``internal_body``)."""
    data = _incident_data(update.incident)
    found = next(u for u in data["incident_updates"] if u["id"] == update.public_id)
    return _with_internal_body(found, {update.public_id: update})


def finding(f: dict, overrides: dict) -> dict:
    key = f"{f['code']}:{f['field']}:{f['start']}"
    return {
        "severity": f["severity"],
        "code": f["code"],
        "message": f["message"],
        "field": f["field"],
        "start": f["start"],
        "end": f["end"],
        "key": key,
        "overridden": key in overrides,
    }


def draft(d: Draft) -> dict:
    overrides = d.overrides or {}
    sheet = d.fact_sheet
    return {
        "id": d.public_id,
        "audience": d.audience_key,
        "fact_sheet_id": sheet.public_id,
        "incident_id": sheet.incident.public_id,
        "status": sheet.status,
        "page_text": d.page_text,
        "email_subject": d.email_subject,
        "email_body": d.email_body,
        "sms_text": d.sms_text,
        "sms_segments": segment_count(d.sms_text) if d.sms_text else 0,
        "findings": [finding(f, overrides) for f in d.findings or ()],
        "blocking": len(blocking(d.findings or [], overrides)),
        "needs_approval": d.needs_approval,
        "state": d.state,
        # Send it back with approve: a draft changed since is refused (409 draft_changed).
        "revision": revision(d),
        "notify": d.notify,
        "overrides": overrides,
        "author": _email(d.author),
        "approved_by": _email(d.approved_by),
        "approved_at": time(d.approved_at),
        "rejected_by": _email(d.rejected_by),
        "rejected_at": time(d.rejected_at),
        "review_comment": d.review_comment,
        "broadcast_id": str(d.broadcast_id) if d.broadcast_id else None,
        # The teams' draft goes out as one broadcast per team.
        "team_broadcasts": [
            {"team": name, "broadcast_id": str(b.id)} for name, b in sent_to_teams(d)
        ]
        if d.audience_key == TEAMS and d.state == "published"
        else [],
        "created_at": time(d.created_at),
        "updated_at": time(d.updated_at),
        "published_at": time(d.published_at),
    }


def waiting(items: list[Waiting]) -> list[dict]:
    return [
        {
            "draft_id": w.draft.public_id if w.draft else None,
            "audience": w.draft.audience_key if w.draft else None,
            "who": w.who,
            "what": w.what,
            "people": [p.display_name for p in w.people],
        }
        for w in items
    ]


def fact_sheet(sheet: FactSheet) -> dict:
    return {
        "id": sheet.public_id,
        "status": sheet.status,
        "impact": sheet.impact,
        "created_at": time(sheet.created_at),
        "published_at": time(sheet.published_at),
        "drafts": [
            {"id": d.public_id, "audience": d.audience_key, "state": d.state} for d in sheet.drafts
        ],
    }


def recipients(broadcast: Broadcast) -> int:
    """Deliveries written so far; before expansion, the subscribers it will reach."""
    if broadcast.state != "pending" or broadcast.recipients:
        return broadcast.recipients or 0
    return db.session.scalar(select(func.count(Subscriber.id)).where(reaches(broadcast))) or 0


def broadcast(b: Broadcast) -> dict:
    return {
        "id": str(b.id),
        "audience": b.audience.key if b.audience else None,
        "recipients": recipients(b),
        "state": b.state,
    }


def broadcast_progress(b: Broadcast) -> dict:
    current = progress(b).as_dict()
    return {
        "id": str(b.id),
        "audience": b.audience.key if b.audience else None,
        "kind": b.kind,
        "subject": b.subject,
        "state": current["state"],
        "recipients": recipients(b),
        "sent": current["sent"],
        "failed": current["failed"],
        "retrying": current["retrying"],
        "remaining": current["remaining"],
        "by_state": current["by_state"],
        "created_at": time(b.created_at),
        "expanded_at": time(b.expanded_at),
        "first_sent_at": time(b.first_sent_at),
        "finished_at": time(b.finished_at),
    }


def communication_log(incident: Incident) -> dict:
    first = log.time_to_first_public_update(incident)
    return {
        "incident_id": incident.public_id,
        "name": incident.name,
        "status": incident.status,
        "declared_at": time(incident.started_at),
        "first_public_update_at": time(incident.announced_at),
        "time_to_first_public_update": first.total_seconds() if first is not None else None,
        "entries": [
            {
                "at": time(e.at),
                "kind": e.kind,
                "audience": e.audience,
                "summary": e.summary,
                "broadcast_id": str(e.broadcast_id) if e.broadcast_id else None,
                "recipients": e.recipients,
                "sent": e.total("sent"),
                "delivered": e.total("delivered"),
                "failed": e.total("failed"),
                "by_channel": e.counts,
                "drafted_by": e.drafted_by or None,
                "approved_by": e.approved_by or None,
                "published_by": e.published_by or None,
            }
            for e in log.entries(incident)
        ],
    }
