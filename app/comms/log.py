"""The communication log of an incident: every message that went out, to whom, how it
fared, who drafted, approved and published it; exportable for the review."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.comms.audience_keys import audience_label
from app.models import Communication, Incident, User
from app.status.entries import format_time
from app.timeutil import human_duration, page_zone
from core.db import db
from subscribers.models import CHANNELS as ALL_CHANNELS
from subscribers.models import Broadcast, Delivery

# Every channel, chat included: the log and its CSV count each.
CHANNELS = ALL_CHANNELS


@dataclass
class Entry:
    at: datetime
    kind: str
    audience: str
    summary: str
    broadcast_id: int | None
    recipients: int
    # channel → {"sent", "delivered", "failed", "pending"}
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    drafted_by: str = ""
    approved_by: str = ""
    published_by: str = ""

    def total(self, what: str) -> int:
        return sum(c.get(what, 0) for c in self.counts.values())


def _counts(broadcast_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    rows = (
        db.session.execute(
            select(Delivery.broadcast_id, Delivery.channel, Delivery.state, func.count())
            .where(Delivery.broadcast_id.in_(broadcast_ids))
            .group_by(Delivery.broadcast_id, Delivery.channel, Delivery.state)
        ).all()
        if broadcast_ids
        else []
    )
    result: dict[int, dict[str, dict[str, int]]] = {}
    for broadcast_id, channel, state, count in rows:
        bucket = {
            "sent": "sent",
            "delivered": "delivered",
            "failed": "failed",
            "bounced": "failed",
            "suppressed": "failed",
        }.get(state, "pending")
        per_channel = result.setdefault(broadcast_id, {}).setdefault(
            channel, {"sent": 0, "delivered": 0, "failed": 0, "pending": 0}
        )
        per_channel[bucket] += count
        if bucket == "delivered":
            per_channel["sent"] += count  # delivered messages were sent too
    return result


def entries(incident: Incident) -> list[Entry]:
    records = db.session.scalars(
        select(Communication)
        .where(Communication.incident_id == incident.id)
        .order_by(Communication.created_at, Communication.id)
    ).all()
    broadcasts = {
        b.id: b
        for b in db.session.scalars(
            select(Broadcast).where(
                Broadcast.id.in_([r.broadcast_id for r in records if r.broadcast_id])
            )
        )
    }
    counts = _counts(list(broadcasts))
    people = {u.id: u.email for u in db.session.scalars(select(User))}
    result = []
    for record in records:
        broadcast = broadcasts.get(record.broadcast_id)
        # A private page's audience by the page's name, as people read it.
        audience = audience_label(record.audience_key, in_sentence=True)
        if record.team_id:
            from app.models import Team

            team = db.session.get(Team, record.team_id)
            audience = f"team: {team.name}" if team else "team"
        result.append(
            Entry(
                at=record.created_at,
                kind=record.kind,
                audience=audience,
                summary=record.summary,
                broadcast_id=record.broadcast_id,
                recipients=broadcast.recipients if broadcast else 0,
                counts=counts.get(record.broadcast_id, {}),
                drafted_by=people.get(record.drafted_by_id, ""),
                approved_by=people.get(record.approved_by_id, ""),
                published_by=people.get(record.published_by_id, ""),
            )
        )
    return result


def time_to_first_public_update(incident: Incident) -> timedelta | None:
    if incident.announced_at is None:
        return None
    return incident.announced_at - incident.started_at


def as_csv(incident: Incident) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "time",
            "kind",
            "audience",
            "summary",
            "recipients",
            *[f"{c}_{w}" for c in CHANNELS for w in ("sent", "delivered", "failed")],
            "drafted_by",
            "approved_by",
            "published_by",
        ]
    )
    for entry in entries(incident):
        writer.writerow(
            [
                entry.at.isoformat(timespec="seconds"),
                entry.kind,
                entry.audience,
                entry.summary,
                entry.recipients,
                *[
                    entry.counts.get(c, {}).get(w, 0)
                    for c in CHANNELS
                    for w in ("sent", "delivered", "failed")
                ],
                entry.drafted_by,
                entry.approved_by,
                entry.published_by,
            ]
        )
    return out.getvalue()


def as_markdown(incident: Incident) -> str:
    zone = page_zone()
    first = time_to_first_public_update(incident)
    lines = [
        f"# Communication log: {incident.name}",
        "",
        f"- Declared: {format_time(incident.started_at, zone)}",
        "- First public update: "
        + (
            f"{format_time(incident.announced_at, zone)} "
            f"({human_duration(first.total_seconds())} after "
            "declaration)"
            if first is not None
            else "none yet"
        ),
        f"- Status: {incident.status}",
        "",
        "| Time | Kind | Audience | Message | Recipients | Sent | Delivered | Failed | "
        "Drafted by | Approved by | Published by |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries(incident):
        summary = e.summary.replace("|", "\\|")
        lines.append(
            f"| {format_time(e.at, zone)} | {e.kind} | {e.audience} | {summary} | "
            f"{e.recipients} | {e.total('sent')} | {e.total('delivered')} | "
            f"{e.total('failed')} | {e.drafted_by} | {e.approved_by} | {e.published_by} |"
        )
    return "\n".join(lines) + "\n"
