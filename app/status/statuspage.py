"""Statuspage v2 JSON shapes for components, incidents and maintenance.

Field names and values follow Statuspage's public API so that its clients read Herald.
Times are ISO 8601 with the page's UTC offset.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.models import Component, ComponentGroup, Incident, Maintenance
from app.status.impact import effective_impact


def iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def component_json(
    component: Component, page_id: str, zone: ZoneInfo, group_public_id: str | None
) -> dict:
    return {
        "id": component.public_id,
        "name": component.name,
        "status": component.effective_status,
        "created_at": iso(component.created_at, zone),
        "updated_at": iso(max(component.updated_at, component.status_changed_at), zone),
        "position": component.position,
        "description": component.description or None,
        "showcase": component.showcase,
        "start_date": (
            component.start_date or component.created_at.astimezone(zone).date()
        ).isoformat(),
        "group_id": group_public_id,
        "page_id": page_id,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def group_json(
    group: ComponentGroup,
    status: str,
    member_ids: list[str],
    page_id: str,
    zone: ZoneInfo,
    updated_at: datetime,
) -> dict:
    return {
        "id": group.public_id,
        "name": group.name,
        "status": status,
        "created_at": iso(group.created_at, zone),
        "updated_at": iso(max(group.updated_at, updated_at), zone),
        "position": group.position,
        "description": group.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": member_ids,
    }


def _update_json(update, parent_public_id: str, zone: ZoneInfo, visible: set[str]) -> dict:
    return {
        "id": update.public_id,
        "status": update.status,
        "body": update.body,
        "incident_id": parent_public_id,
        "created_at": iso(update.created_at, zone),
        "updated_at": iso(update.updated_at, zone),
        "display_at": iso(update.display_at, zone),
        # Only components the reader may see (a public update must not name internal ones).
        "affected_components": [
            a for a in update.affected_components or () if a.get("code") in visible
        ]
        or None,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident_json(
    incident: Incident | Maintenance,
    page_id: str,
    zone: ZoneInfo,
    public_url: str,
    component_dicts: dict[int, dict],
    internal: bool = False,
) -> dict:
    """An incident or a maintenance window in Statuspage's incident shape. Only components
    present in ``component_dicts`` (those visible to the reader) are listed, and for the
    public only updates that have a public text."""
    is_maintenance = isinstance(incident, Maintenance)
    path = "maintenance" if is_maintenance else "incidents"
    visible = {c["id"] for c in component_dicts.values()}
    data = {
        "id": incident.public_id,
        "name": incident.name,
        "status": incident.status,
        "created_at": iso(incident.created_at, zone),
        "updated_at": iso(incident.updated_at, zone),
        "monitoring_at": None if is_maintenance else iso(incident.monitoring_at, zone),
        "resolved_at": iso(incident.completed_at if is_maintenance else incident.resolved_at, zone),
        "impact": "maintenance" if is_maintenance else effective_impact(incident),
        "shortlink": f"{public_url}/{path}/{incident.public_id}",
        "started_at": iso(
            incident.started_at
            if not is_maintenance
            else incident.started_at or incident.scheduled_for,
            zone,
        ),
        "page_id": page_id,
        "incident_updates": [
            _update_json(u, incident.public_id, zone, visible)
            for u in incident.updates
            # An update with only an internal text is not shown to the public.
            if u.body or internal
        ],
        "components": [
            component_dicts[link.component_id]
            for link in incident.affected
            if link.component_id in component_dicts
        ],
    }
    if not is_maintenance:
        # Herald's addition to Statuspage's shape: when the next update is due.
        due = incident.next_update_due_at if incident.status != "resolved" else None
        data["next_update_at"] = iso(due, zone)
    if is_maintenance:
        data["scheduled_for"] = iso(incident.scheduled_for, zone)
        data["scheduled_until"] = iso(incident.scheduled_until, zone)
    return data
