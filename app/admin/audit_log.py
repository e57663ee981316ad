"""Admin: the audit log, newest first, filterable by kind of target."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from app.admin import bp
from app.auth.permissions import requires
from app.input_bounds import page_number
from app.models import AuditEvent
from core.db import db

PAGE_SIZE = 50


@bp.get("/audit")
@requires("view_audit")
def audit():
    page = page_number()
    target = request.args.get("target", "")
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if target:
        query = query.where(AuditEvent.target_type == target)
    events = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    kinds = db.session.scalars(
        select(AuditEvent.target_type).distinct().order_by(AuditEvent.target_type)
    ).all()
    return render_template(
        "admin/audit.html",
        events=events[:PAGE_SIZE],
        page=page,
        has_more=len(events) > PAGE_SIZE,
        target=target,
        kinds=[k for k in kinds if k],
    )
