"""Statuspage's JSON shapes of a whole ``Summary``: /api/v2/summary.json and the
components list (the shapes of single entries are in ``app.status.statuspage``)."""

from __future__ import annotations

from app.status.entries import Summary


def summary_json(summary: Summary) -> dict:
    """Statuspage's /api/v2/summary.json."""
    return {
        "page": summary.page,
        "components": components_json(summary),
        "incidents": [i.json for i in summary.incidents],
        "scheduled_maintenances": [
            m.json for m in summary.maintenance_active + summary.maintenance_upcoming
        ],
        "status": summary.status_json,
    }


def components_json(summary: Summary) -> list[dict]:
    """Components and groups, ordered as on the page (Statuspage lists both)."""
    result = []
    for item in summary.items:
        result.append(item.json)
        if item.is_group:
            result.extend(c.json for c in item.components)
    return result
