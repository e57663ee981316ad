"""Who is pressing: the Slack user matched to a Herald staff account by email.

The Slack user id is cached on the account (users.slack_user_id) once matched, so later
presses need no call to Slack. A deactivated account is never matched."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from app.models import User
from core.db import db


class NoAccount(Exception):
    """The Slack user has no active Herald account; the message says what to do."""


def staff_user(client: WebClient, slack_user_id: str) -> User:
    """The active staff account of ``slack_user_id``; raises NoAccount. May write the
    cache (run it inside busy.short_locks)."""
    cached = db.session.scalar(
        select(User).where(User.slack_user_id == slack_user_id, User.active.is_(True))
    )
    if cached is not None:
        return cached
    try:
        answer = client.users_info(user=slack_user_id)
    except SlackApiError:
        raise NoAccount(
            "Herald could not look you up in Slack; ask an admin to check the Slack app."
        ) from None
    email = ((answer.get("user") or {}).get("profile") or {}).get("email") or ""
    if not email:
        raise NoAccount(
            "Slack did not give Herald your email address, so Herald cannot tell who you are; "
            "ask an admin (the app needs the users:read.email scope)."
        )
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower(), User.active.is_(True))
    )
    if user is None:
        raise NoAccount(f"No Herald account for {email}; ask an admin.")
    if user.slack_user_id != slack_user_id:
        user.slack_user_id = slack_user_id
        db.session.commit()
    return user
