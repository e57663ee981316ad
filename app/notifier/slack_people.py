"""Which Slack user a staff account is: found by its email (``users.lookupByEmail``) and
kept in ``users.slack_user_id``, so the notifier can DM approvers and leads.

The look-up runs in the worker (the periodic job "slack-users"), never while a web
request waits: Slack being slow or down must not hold up approving or publishing. An
account Slack does not know is asked about again after ``RETRY_MISSING`` (per process),
so a workspace without that person costs one call an hour, not one a tick."""

from __future__ import annotations

import logging
import time

from flask import current_app
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from app.models import User
from app.notifier.buttons import slack_active
from core.db import db
from subscribers.channels.slack_api import error_code, slack_client

log = logging.getLogger(__name__)

RETRY_MISSING = 3600.0
PER_RUN = 20  # users.lookupByEmail is Tier 3 (about 50 a minute)
_missed: dict[int, float] = {}  # user id -> time.monotonic() of the last miss


def lookup(user: User, client=None) -> str:
    """Ask Slack for the account's Slack user id and keep it; "" when Slack knows no such
    email. Raises SlackApiError for anything else (a rate limit, an invalid token)."""
    client = client or slack_client(current_app.config)
    try:
        answer = client.users_lookupByEmail(email=user.email)
    except SlackApiError as error:
        if error_code(error) != "users_not_found":
            raise
        _missed[user.id] = time.monotonic()
        return ""
    found = (answer.get("user") or {}).get("id") or ""
    if found and found != user.slack_user_id:
        user.slack_user_id = found[:32]
    return found


def match_staff() -> int:
    """The periodic job: look up the active staff accounts not matched yet. Returns how
    many were matched; stops at the first error (a 429 waits for the next tick)."""
    if not slack_active():
        return 0
    now = time.monotonic()
    waiting = db.session.scalars(
        select(User).where(User.active.is_(True), User.slack_user_id == "").order_by(User.id)
    ).all()
    due = [u for u in waiting if now - _missed.get(u.id, -RETRY_MISSING) >= RETRY_MISSING]
    matched = 0
    client = slack_client(current_app.config)
    for user in due[:PER_RUN]:
        try:
            matched += bool(lookup(user, client))
        except SlackApiError as error:
            log.warning("Slack look-up of staff stopped: %s", error_code(error))
            break
        except Exception:  # Slack unreachable: try again on the next tick
            log.exception("Slack look-up of staff failed")
            break
    return matched
