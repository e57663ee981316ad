"""Waking the workers once work is committed: the embedded worker's events, or Celery
tasks when HERALD_CELERY_BROKER_URL is set. Nothing is dispatched before the commit, so a
worker never looks for rows it cannot see yet."""

from __future__ import annotations

import logging
import threading

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from subscribers.models import CHANNELS

log = logging.getLogger(__name__)

# The embedded worker waits on these.
WORK = threading.Event()
CHANNEL_WORK = {channel: threading.Event() for channel in CHANNELS}

_KEY = "herald_dispatch"


def after_commit(kind: str, object_id: int) -> None:
    """Queue a wake-up for when the current transaction commits."""
    from core.db import db

    db.session.info.setdefault(_KEY, []).append((kind, object_id))


def notify_channels() -> None:
    """Deliveries were committed: wake the channel senders now."""
    if has_app_context() and current_app.config.get("CELERY_BROKER_URL"):
        from subscribers import tasks

        for channel in CHANNELS:
            tasks.drain_channel.delay(channel)
        return
    for signal in CHANNEL_WORK.values():
        signal.set()


def _wake(items: list[tuple[str, int]]) -> None:
    if has_app_context() and current_app.config.get("CELERY_BROKER_URL"):
        from subscribers import tasks

        for kind, object_id in items:
            if kind == "expand":
                tasks.expand.delay(object_id)
        return
    WORK.set()


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    items = session.info.pop(_KEY, None)
    if items:
        try:
            _wake(items)
        except Exception:  # the rows are safe; the periodic sweep will find them
            log.exception("could not wake the workers")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
