"""Staff users and the teams that own components."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import Base, UTCDateTime
from core.time import utcnow
from core.vocab import ROLES


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    components: Mapped[list[Component]] = relationship(  # noqa: F821
        back_populates="team", order_by="Component.name"
    )
    members: Mapped[list[User]] = relationship(back_populates="team", order_by="User.email")

    def __repr__(self) -> str:
        return f"<Team {self.name!r}>"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    # E.164, or empty: approvers with a number are also told by SMS that drafts wait.
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The Slack user this account is, once matched by email (users.lookupByEmail).
    slack_user_id: Mapped[str] = mapped_column(
        String(32), default="", server_default="", index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(
        Enum(*ROLES, name="role", native_enum=False, create_constraint=True, length=16)
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change or deactivation and checked with the staff session, so
    # a password set outside app.accounts (which also closes the records) still counts.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        method = (
            current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
            if has_app_context()
            else "scrypt"
        )
        self.password_hash = generate_password_hash(password, method=method)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    # The key of the staff session this object was signed in or loaded with, set by
    # app.staff_sessions for the request; never stored (the database keeps its hash).
    session_key = ""

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and the remember-me cookie alike, so
        # both name the same staff session (see app.staff_sessions).
        return f"{self.id}:{self.session_version}:{self.session_key}"

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"


class StaffSession(Base):
    """One sign-in of a staff user on one device, until sign-out or expiry.

    The session and remember-me cookies carry a random key; only its SHA-256 is stored, so
    a copy of the database cannot be turned back into a working cookie.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<StaffSession {self.id} of user {self.user_id}>"
