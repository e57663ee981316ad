"""Helpers shared by the admin tests of incidents and quick updates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.incidents.services import declare_incident
from core.db import db

FORM_TIME = "%Y-%m-%dT%H:%M"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def local_input(app, moment: datetime) -> str:
    """``moment`` as a datetime-local input value in the page's time zone."""
    return moment.astimezone(ZoneInfo(app.config["TIME_ZONE"])).strftime(FORM_TIME)


def open_incident(name, components, **kwargs):
    """An incident whose first update was published (through the workflow)."""
    incident = declare_incident(
        None, name, "minor", components, body="Looking into it.", reviewed=True, **kwargs
    )
    db.session.commit()
    return incident


def client_internal(client, incident):
    return client.get(f"/internal/incidents/{incident.public_id}")


def declare(client, fill, **fields):
    data = fill(client, "/admin/incidents/new", **fields)
    return client.post("/admin/incidents/new", data=data)
