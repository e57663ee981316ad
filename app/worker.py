"""The embedded worker: threads in the web process (or ``herald worker``) that expand
broadcasts, send deliveries and run the periodic jobs, so the default set-up needs no
other service. With HERALD_CELERY_BROKER_URL set, Celery runs the same jobs instead
(subscribers/tasks.py)."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from app.comms.cadence import remind_overdue
from app.extensions import db
from app.maintenance.services import advance_maintenance, send_maintenance_reminders
from subscribers import dispatch
from subscribers.channels import channels_for
from subscribers.fanout import ContentCache, drain
from subscribers.outbox import (
    expand_step,
    finish_broadcasts,
    pending_broadcast_ids,
    release_expired_leases,
)

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0
# Retries fall due while nothing wakes a sender: look again this often.
IDLE_SECONDS = 2.0
POLL_SECONDS = 0.25


def run_periodic_jobs(app: Flask) -> None:
    """One round of the periodic jobs, each in its own transaction."""
    with app.app_context():
        for name, job in (
            ("cadence", remind_overdue),
            ("maintenance", advance_maintenance),
            ("reminders", send_maintenance_reminders),
            ("leases", release_expired_leases),
            ("finish", finish_broadcasts),
        ):
            try:
                job()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("periodic job %s failed", name)
        db.session.remove()


def expand_pending(app: Flask, stop: threading.Event | None = None) -> int:
    """Expand every pending broadcast, chunk by chunk, best priority first."""
    done = 0
    with app.app_context():
        try:
            for broadcast_id in pending_broadcast_ids():
                while (stop is None or not stop.is_set()) and expand_step(broadcast_id) != -1:
                    done += 1
        finally:
            db.session.remove()
    return done


def _coordinator(app: Flask, stop: threading.Event) -> None:
    """Expands broadcasts as soon as they are committed; runs the periodic jobs."""
    next_tick = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_tick:
            run_periodic_jobs(app)
            next_tick = time.monotonic() + TICK_SECONDS
        dispatch.WORK.clear()
        try:
            expand_pending(app, stop)
        except Exception:
            log.exception("expanding broadcasts failed")
        # A broadcast committed by another process (the web, the API) is seen within a
        # quarter of a second; one committed here wakes this thread at once.
        dispatch.WORK.wait(min(POLL_SECONDS, max(0.0, next_tick - time.monotonic())))


def _sender(app: Flask, kind: str, stop: threading.Event) -> None:
    """Sends one channel's deliveries whenever there are some."""
    signal = dispatch.CHANNEL_WORK[kind]
    with app.app_context():
        channel = channels_for(app, only=kind)[kind]
        contents = ContentCache()
        try:
            while not stop.is_set():
                signal.clear()
                try:
                    drain(channel, contents, stop=stop)
                except Exception:
                    db.session.rollback()
                    log.exception("sending %s failed", kind)
                finally:
                    db.session.remove()
                signal.wait(IDLE_SECONDS)
        finally:
            channel.close()


def start_embedded_worker(app: Flask) -> threading.Event:
    """Start the worker threads; set the returned event to stop them."""
    stop = threading.Event()
    if app.config.get("CELERY_BROKER_URL"):
        log.info("Celery is configured: the embedded worker is not started")
        return stop
    threads = [
        threading.Thread(
            target=_coordinator, args=(app, stop), name="herald-coordinator", daemon=True
        )
    ]
    threads += [
        threading.Thread(
            target=_sender, args=(app, kind, stop), name=f"herald-send-{kind}", daemon=True
        )
        for kind in dispatch.CHANNEL_WORK
    ]
    for thread in threads:
        thread.start()
    stop.threads = threads  # type: ignore[attr-defined]
    return stop


def run_forever(app: Flask, stop: threading.Event) -> None:
    """``herald worker``: the embedded worker in the foreground."""
    handle = start_embedded_worker(app)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        handle.set()
        for thread in getattr(handle, "threads", []):
            thread.join(timeout=10)
