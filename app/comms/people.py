"""The people of the communications workflow: who may approve a set's drafts, and who
writes and publishes it. Shared by the approval rules and by the notifier, which tells
these people when their move comes."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Draft, FactSheet, User
from core.db import db

APPROVER_ROLES = ("approver", "admin")


def approvers_for(*author_ids: int | None) -> list[User]:
    """The active approvers who may sign off words written or edited by ``author_ids``
    (four eyes: never their own)."""
    users = db.session.scalars(
        select(User)
        .where(User.role.in_(APPROVER_ROLES), User.active.is_(True))
        .order_by(User.name, User.email)
    )
    return [u for u in users if u.id not in author_ids]


def leads_for(sheet: FactSheet) -> list[User]:
    """Who writes and publishes the set: its author, else the incident's communications
    lead, else every active communications lead."""
    for user_id in (sheet.author_id, sheet.incident.comms_lead_id):
        user = db.session.get(User, user_id) if user_id else None
        if user is not None and user.active:
            return [user]
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "comms_lead", User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )


def author_of(draft: Draft) -> list[User]:
    """Who fixes a draft: its author, else whoever leads the set."""
    user = db.session.get(User, draft.author_id) if draft.author_id else None
    return [user] if user is not None and user.active else leads_for(draft.fact_sheet)
