"""Celery tasks. Each takes ids, reloads rows, and is safe to run twice."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from core.db import db
from core.time import utcnow
from subscribers.celery_app import CELERY_MISSING
from subscribers.channels import channels_for
from subscribers.fanout import ContentCache
from subscribers.fanout import drain as drain_deliveries
from subscribers.models import Delivery
from subscribers.outbox import expand_step

try:
    from celery import shared_task
except ImportError as error:  # only imported when HERALD_CELERY_BROKER_URL is set
    raise ModuleNotFoundError(CELERY_MISSING) from error

log = logging.getLogger(__name__)
BATCHES_PER_TASK = 20

# One channel object (and its connections) per worker process and channel.
_channels: dict = {}
_contents = ContentCache()


def _channel(kind: str):
    if kind not in _channels:
        _channels[kind] = channels_for(current_app._get_current_object(), only=kind)[kind]
    return _channels[kind]


@shared_task(name="herald.expand")
def expand(broadcast_id: int) -> None:
    """Write a broadcast's deliveries, waking the senders after each chunk."""
    try:
        while expand_step(broadcast_id) != -1:
            pass
    finally:
        db.session.remove()


@shared_task(name="herald.drain")
def drain_channel(kind: str) -> None:
    """Send due deliveries of one channel; hands over to a fresh task after a while so
    the workers share the load. Retries that fall due later are picked up by the
    periodic task."""
    try:
        handled = drain_deliveries(_channel(kind), _contents, max_batches=BATCHES_PER_TASK)
        if handled:
            drain_channel.delay(kind)
    finally:
        db.session.remove()


@shared_task(name="herald.periodic_slow")
def periodic_slow() -> None:
    """The slow periodic jobs (polling feeds), apart so they never delay the others."""
    from subscribers.worker import run_periodic_jobs

    run_periodic_jobs(current_app._get_current_object(), slow=True)
    db.session.remove()


@shared_task(name="herald.periodic")
def periodic() -> None:
    from subscribers.worker import expand_pending, run_periodic_jobs

    app = current_app._get_current_object()
    run_periodic_jobs(app)
    expand_pending(app)
    due = db.session.scalars(
        select(Delivery.channel)
        .where(Delivery.state == "queued", Delivery.next_attempt_at <= utcnow())
        .distinct()
    )
    for kind in list(due):
        drain_channel.delay(kind)
    db.session.remove()
