"""What the pages show: the entries of the read model (components, groups, incidents and
maintenance windows with their timelines) and the ``Summary`` that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.i18n.dates import is_english, language, local_time_text, local_window_text
from app.markdown import render_markdown
from app.models import Incident, Maintenance
from app.status.maintenance_state import effective_maintenance_status, effective_window_times
from app.status.statuspage import incident_json, iso
from app.status.text_times import mark_times
from app.status.uptime import UptimeRow
from core.vocab import INCIDENT_STATUS_LABELS, MAINTENANCE_STATUS_LABELS, STATUS_LABELS


@dataclass
class ComponentEntry:
    id: int
    public_id: str
    name: str
    description: str
    status: str
    own_status: str
    reason: str
    tier: str
    team: str
    visibility: str
    hidden: bool
    uptime: UptimeRow | None
    json: dict
    # Public signals' words: ("Reported by Kestrel Pay", "<vendor incident link>").
    reported: list[tuple[str, str]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    is_group = False


@dataclass
class GroupEntry:
    public_id: str
    name: str
    description: str
    status: str
    components: list[ComponentEntry]
    json: dict

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def shown_components(self) -> list[ComponentEntry]:
        return [c for c in self.components if not c.hidden]

    is_group = True


@dataclass
class TimelineEntry:
    status: str
    status_label: str
    body_html: str
    at: datetime
    at_text: str
    at_iso: str


@dataclass
class EventEntry:
    kind: str  # incident or maintenance
    public_id: str
    name: str
    status: str
    status_label: str
    impact: str
    url: str
    visibility: str
    started_at: datetime | None
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    window_text: str
    component_names: list[str]
    updates: list[TimelineEntry]
    json: dict
    # The impact the page's indicator goes by: the higher of the chosen impact and the
    # one its components imply (app/status/impact.py).
    indicator_impact: str = ""
    # When the next update is due (an open incident), shown before its first public text.
    next_update_at: datetime | None = None


@dataclass
class Summary:
    audience: str
    version: int
    built_at: datetime
    valid_until: datetime
    updated_at: datetime
    page: dict
    indicator: str
    description: str
    items: list  # groups and ungrouped components, in page order
    components: list[ComponentEntry]
    groups: list[GroupEntry]
    incidents: list[EventEntry]
    maintenance_active: list[EventEntry]
    maintenance_upcoming: list[EventEntry]
    extra: dict = field(default_factory=dict)

    @property
    def status_json(self) -> dict:
        return {"indicator": self.indicator, "description": self.description}


def format_time(moment: datetime, zone) -> str:
    """A moment in the page's zone, in the language being rendered."""
    local = moment.astimezone(zone)
    if not is_english():
        return local_time_text(local, language())
    return f"{local:%-d %b %Y, %H:%M} {local.tzname()}"


def format_window(start: datetime, end: datetime, zone) -> str:
    a, b = start.astimezone(zone), end.astimezone(zone)
    if not is_english():
        return local_window_text(a, b, language())
    if a.date() == b.date():
        return f"{a:%-d %b %Y, %H:%M} – {b:%H:%M} {b.tzname()}"
    return f"{a:%-d %b %Y, %H:%M} – {b:%-d %b %Y, %H:%M} {b.tzname()}"


def _timeline(event, zone, labels: dict[str, str], internal: bool) -> list[TimelineEntry]:
    """The updates, newest first; the internal page shows the engineering text."""
    return [
        TimelineEntry(
            status=u.status,
            status_label=labels[u.status],
            body_html=mark_times(
                render_markdown(
                    getattr(u, "internal_body", "")
                    if internal and getattr(u, "internal_body", "")
                    else u.body
                ),
                zone,
            ),
            at=u.display_at,
            at_text=format_time(u.display_at, zone),
            at_iso=iso(u.display_at, zone),
        )
        for u in event.updates
        if u.body or internal  # an update with only an internal text stays internal
    ]


def event_entry(
    event: Incident | Maintenance,
    zone,
    page_id: str,
    public_url: str,
    component_dicts: dict[int, dict],
    now: datetime,
    internal: bool = False,
) -> EventEntry:
    """The page's view of one incident or maintenance window at ``now``: a window shows
    the status the clock gives it, whether or not the worker has committed it yet."""
    is_maintenance = isinstance(event, Maintenance)
    labels = MAINTENANCE_STATUS_LABELS if is_maintenance else INCIDENT_STATUS_LABELS
    names = [link.component.name for link in event.affected if link.component_id in component_dicts]
    data = incident_json(event, page_id, zone, public_url, component_dicts, internal)
    status, started_at = event.status, event.started_at
    if is_maintenance:
        status = effective_maintenance_status(event, now)
        started_at, completed_at = effective_window_times(event, now)
        data["status"] = status
        data["started_at"] = iso(started_at or event.scheduled_for, zone)
        data["resolved_at"] = iso(completed_at, zone)
    # An incident's impact as Herald tells it: the higher of the chosen impact and the
    # one its components imply (app/status/impact.py), here as in the JSON.
    impact = data["impact"]
    return EventEntry(
        kind="maintenance" if is_maintenance else "incident",
        public_id=event.public_id,
        name=event.name,
        status=status,
        status_label=labels[status],
        impact="maintenance" if is_maintenance else impact,
        url=f"/{'maintenance' if is_maintenance else 'incidents'}/{event.public_id}",
        visibility=event.visibility,
        started_at=started_at,
        scheduled_for=getattr(event, "scheduled_for", None),
        scheduled_until=getattr(event, "scheduled_until", None),
        window_text=format_window(event.scheduled_for, event.scheduled_until, zone)
        if is_maintenance
        else "",
        component_names=names,
        updates=_timeline(event, zone, labels, internal),
        json=data,
        indicator_impact="" if is_maintenance else impact,
        next_update_at=None if is_maintenance or status == "resolved" else event.next_update_due_at,
    )
