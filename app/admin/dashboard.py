"""The staff home: every component's status at a glance, open incidents, maintenance, and
the incidents signals suggest (app/admin/suggestions.py)."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.admin import bp
from app.admin.forms import ActionForm, StatusForm
from app.auth.permissions import requires
from app.models import Component, ComponentGroup, Incident, Maintenance
from core.db import db


def components_by_group() -> list[tuple[ComponentGroup | None, list[Component]]]:
    groups = db.session.scalars(select(ComponentGroup).order_by(ComponentGroup.position)).all()
    components = db.session.scalars(
        select(Component)
        .options(selectinload(Component.team))
        .order_by(Component.position, Component.name)
    ).all()
    result: list[tuple[ComponentGroup | None, list[Component]]] = [
        (g, [c for c in components if c.group_id == g.id]) for g in groups
    ]
    ungrouped = [c for c in components if c.group_id is None]
    if ungrouped:
        result.append((None, ungrouped))
    return result


@bp.get("/")
@requires("view_admin")
def dashboard():
    incidents = db.session.scalars(
        select(Incident).where(Incident.status != "resolved").order_by(Incident.started_at.desc())
    ).all()
    maintenances = db.session.scalars(
        select(Maintenance)
        .where(Maintenance.status != "completed")
        .order_by(Maintenance.scheduled_for)
    ).all()
    from app.admin import suggestions  # imports this module for its error pages

    return render_template(
        "admin/dashboard.html",
        groups=components_by_group(),
        incidents=incidents,
        maintenances=maintenances,
        status_form=StatusForm(),
        action_form=ActionForm(),
        suggestions=suggestions.open_suggestions(),
        dismiss_form=suggestions.DismissForm(),
    )
