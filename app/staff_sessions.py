"""Staff sessions: one record per sign-in, so that signing out ends it on the server.

Flask's session is a signed cookie that the server cannot take back once issued, and the
remember-me cookie restores a session from nothing but the user id it signs. Each sign-in
therefore opens a record with a random key; the key travels in the user id that
Flask-Login keeps in both cookies (``<user id>:<session version>:<key>``), and a cookie
is accepted only while its record is open. Sign-out closes the record, so a copied
cookie of either kind stops working at the same moment.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from app.models.users import StaffSession, User
from core import audit
from core.db import db
from core.time import utcnow
from core.words import counted

USER_AGENT_LENGTH = 200
# A sign-in without "keep me signed in" lives in a browser-session cookie; browsers that
# restore tabs keep such cookies for days, so the server ends it after a working day.
UNREMEMBERED_LIFETIME = timedelta(hours=12)
# How long the record of an ended session stays (the account page and audits read it).
SESSION_RECORDS_KEPT = timedelta(days=7)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, user_agent: str = "", remember: bool = False) -> StaffSession:
    """Open a session for ``user`` signing in now; ``user.get_id()`` then names it.

    Remembered, it lasts as long as the remember-me cookie may
    (``REMEMBER_COOKIE_DURATION``), so neither cookie outlives it; otherwise
    ``UNREMEMBERED_LIFETIME``.
    """
    key = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"] if remember else UNREMEMBERED_LIFETIME
    record = StaffSession(
        user=user,
        token_hash=_hash(key),
        user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(record)
    user.session_key = key
    return record


def find_signed_in_user(user_id: str) -> User | None:
    """The user a cookie's user id names, if its session is still open: not signed out,
    not expired, the account active and its password unchanged since."""
    uid, _, rest = user_id.partition(":")
    version, _, key = rest.partition(":")
    if not uid.isdigit() or not version.isdigit() or not key:
        return None
    found = db.session.execute(
        select(StaffSession, User)
        .join(User, StaffSession.user_id == User.id)
        .where(StaffSession.token_hash == _hash(key))
    ).first()
    if found is None:
        return None
    record, user = found
    if (
        user.id != int(uid)
        or record.revoked_at is not None
        or record.expires_at <= utcnow()
        or not user.active
        or user.session_version != int(version)
    ):
        return None
    user.session_key = key
    return user


def end_session(user: User) -> None:
    """Close the session ``user`` is signed in with (signing out on this device)."""
    if user.session_key:
        db.session.execute(
            update(StaffSession)
            .where(
                StaffSession.user_id == user.id,
                StaffSession.token_hash == _hash(user.session_key),
                StaffSession.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )


def end_all_sessions(user: User) -> int:
    """Close every open session of ``user``; returns how many were open."""
    result = db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount


def end_one_session(actor: User, session_id: int) -> StaffSession | None:
    """The account page's "Sign out" on one listed session: ends it if it is ``actor``'s
    and open; returns it (None when there is no such open session of theirs)."""
    record = db.session.get(StaffSession, session_id)
    if record is None or record.user_id != actor.id or record.revoked_at is not None:
        return None
    record.revoked_at = utcnow()
    audit.record(actor, "user.sign_out_session", actor, f"Signed out {device_name(record)}")
    return record


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("HeadlessChrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name(record: StaffSession) -> str:
    """ "Firefox on Windows" from a session's user agent, for people to recognise it."""
    agent = record.user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


def sign_out_everywhere(actor: User) -> int:
    """The account page's "Sign out everywhere": ends every session of ``actor``,
    this one included, and records it in the audit log."""
    ended = end_all_sessions(actor)
    audit.record(
        actor, "user.sign_out_everywhere", actor, f"Signed out {counted(ended, 'session')}"
    )
    return ended


def open_sessions(user: User) -> list[StaffSession]:
    """The sessions of ``user`` that a cookie could still use, newest first."""
    return list(
        db.session.scalars(
            select(StaffSession)
            .where(
                StaffSession.user_id == user.id,
                StaffSession.revoked_at.is_(None),
                StaffSession.expires_at > utcnow(),
            )
            .order_by(StaffSession.created_at.desc(), StaffSession.id.desc())
        )
    )


def is_current(record: StaffSession, user: User) -> bool:
    """Whether ``record`` is the session ``user`` is using for this request."""
    return bool(user.session_key) and record.token_hash == _hash(user.session_key)


def forget_old_sessions(now=None) -> int:
    """Delete the records of sessions that ended (signed out or expired) more than
    ``SESSION_RECORDS_KEPT`` ago; a periodic job of the worker. Returns how many."""
    cutoff = (now or utcnow()) - SESSION_RECORDS_KEPT
    result = db.session.execute(
        delete(StaffSession).where(
            or_(StaffSession.expires_at < cutoff, StaffSession.revoked_at < cutoff)
        )
    )
    return result.rowcount
