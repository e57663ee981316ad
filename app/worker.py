"""The embedded worker: a thread in the web process (or ``herald worker``) that runs the
periodic jobs, so the default set-up needs no other service."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from app.extensions import db
from app.maintenance.services import advance_maintenance

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0


def run_periodic_jobs(app: Flask) -> None:
    """One round of the periodic jobs, each in its own transaction."""
    with app.app_context():
        try:
            if advance_maintenance():
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("maintenance tick failed")
        finally:
            db.session.remove()


def run_forever(app: Flask, stop: threading.Event, tick: float = TICK_SECONDS) -> None:
    while not stop.is_set():
        run_periodic_jobs(app)
        stop.wait(tick)


def start_embedded_worker(app: Flask) -> threading.Event:
    """Start the worker thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(app, stop), name="herald-worker", daemon=True
    )
    thread.start()
    return stop
