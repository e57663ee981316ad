"""Staff accounts and teams: services shared by the admin and the CLI."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.models import Team, User
from app.staff_sessions import end_all_sessions
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.vocab import ROLES
from subscribers.validation import normalise_phone

MIN_PASSWORD = 10


def _clean_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ServiceError(f"That email address is not valid: {error}", "email") from None


def _clean_phone(phone: str) -> str:
    """A staff phone number in E.164, as subscribers' are; empty means none."""
    if not (phone or "").strip():
        return ""
    try:
        return normalise_phone(phone)
    except ServiceError as error:
        raise ServiceError(error.message, "phone") from None


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError(f"Passwords need at least {MIN_PASSWORD} characters.", "password")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    actor: User | None,
    email: str,
    role: str,
    password: str,
    *,
    name: str = "",
    team: Team | None = None,
    phone: str = "",
) -> User:
    """Create a staff user with a hashed password."""
    email = _clean_email(email)
    phone = _clean_phone(phone)
    if role not in ROLES:
        raise ServiceError(f"Role must be one of {', '.join(ROLES)}; got {role!r}.", "role")
    _check_password(password)
    if find_user(email) is not None:
        raise Conflict(f"There is already a user with the email {email}.", "email")
    user = User(
        email=email, name=(name or "").strip(), role=role, team=team, active=True, phone=phone
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, f"Created user {email} as {role}")
    return user


def update_user(actor: User | None, user: User, *, password: str | None = None, **values) -> User:
    """Change a user's details, role, team or password. An admin cannot demote or
    deactivate themselves, so a page never loses its last way in by accident."""
    if "email" in values:
        values["email"] = _clean_email(values["email"])
        other = find_user(values["email"])
        if other is not None and other.id != user.id:
            raise Conflict(f"There is already a user with the email {values['email']}.", "email")
    if "phone" in values:
        values["phone"] = _clean_phone(values["phone"])
    if "role" in values and values["role"] not in ROLES:
        raise ServiceError(f"Role must be one of {', '.join(ROLES)}.", "role")
    if actor is not None and actor.id == user.id:
        if values.get("role", user.role) != user.role:
            raise ServiceError("You cannot change your own role.", "role")
        if values.get("active", True) is False:
            raise ServiceError("You cannot deactivate yourself.", "active")
    changes = audit.diff(user, values)
    if password:
        _check_password(password)
        user.set_password(password)
        changes["password"] = ["(hidden)", "(changed)"]
    if "active" in changes:
        user.session_version += 1
    if password or "active" in changes:
        end_all_sessions(user)  # a new password or a deactivation signs out every device
    if changes:
        audit.record(actor, "user.update", user, f"Edited user {user.email}", changes)
    return user


def create_team(
    actor: User | None, name: str, description: str = "", contact_email: str = ""
) -> Team:
    name = (name or "").strip()
    if not name:
        raise ServiceError("A team needs a name.", "name")
    if db.session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower())):
        raise Conflict(f"There is already a team called {name!r}.", "name")
    team = Team(
        name=name,
        description=(description or "").strip(),
        contact_email=_clean_email(contact_email) if contact_email else "",
    )
    db.session.add(team)
    db.session.flush()
    audit.record(actor, "team.create", team, f"Created team {name}")
    return team


def update_team(actor: User | None, team: Team, **values) -> Team:
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise ServiceError("A team needs a name.", "name")
        other = db.session.scalar(
            select(Team).where(func.lower(Team.name) == values["name"].lower())
        )
        if other is not None and other.id != team.id:
            raise Conflict(f"There is already a team called {values['name']!r}.", "name")
    if values.get("contact_email"):
        values["contact_email"] = _clean_email(values["contact_email"])
    changes = audit.diff(team, values)
    if changes:
        audit.record(actor, "team.update", team, f"Edited team {team.name}", changes)
    return team
