"""Who may do what. Every staff route names one permission; the tests walk them all."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from core.vocab import ROLES

EDITORS = frozenset({"admin", "comms_lead", "responder"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "view_internal": frozenset(ROLES),
    "view_admin": frozenset(ROLES),
    "set_status": EDITORS,
    "manage_incidents": EDITORS,
    "manage_maintenance": EDITORS,
    "manage_components": frozenset({"admin"}),
    "delete_records": frozenset({"admin"}),
    "manage_users": frozenset({"admin"}),
    "manage_subscribers": frozenset({"admin", "comms_lead"}),
    "view_audit": frozenset({"admin"}),
    "manage_templates": frozenset({"admin", "comms_lead"}),
    # The communications workflow: the lead drafts and publishes, approvers approve.
    "compose_updates": frozenset({"admin", "comms_lead"}),
    "publish_updates": frozenset({"admin", "comms_lead"}),
    "approve_drafts": frozenset({"admin", "approver"}),
    "manage_audiences": frozenset({"admin"}),
    # Private pages: who sees them (viewers, read tokens) and which components they show.
    "manage_pages": frozenset({"admin", "comms_lead"}),
    # Monitoring senders (Alertmanager, Grafana, monitors): their credentials and rules.
    "manage_integrations": frozenset({"admin"}),
    # Anyone signed in sees their own sessions and can end them.
    "own_account": frozenset(ROLES),
    # Anyone signed in can answer for a team's services in a roll call.
    "answer_roll_call": frozenset(ROLES),
}


def can(user, permission: str) -> bool:
    """Whether ``user`` holds ``permission`` (anonymous users hold none)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return bool(getattr(user, "is_authenticated", False)) and user.role in PERMISSIONS[permission]


def requires(permission: str):
    """Route decorator: sign-in first, then the role check (403 if it fails)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in PERMISSIONS[permission]:
                abort(403)
            return view(*args, **kwargs)

        wrapper.permission = permission  # read by the access tests
        return wrapper

    return decorate
