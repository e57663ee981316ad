"""Work done after Slack got its answer: Slack wants a reply within 3 seconds, and
calls back to Slack (updating a message, an ephemeral reply) can take longer. Each job
runs in a thread of its own with an application context and a session of its own."""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app

from core.db import db

log = logging.getLogger(__name__)
_running: set[threading.Thread] = set()
_lock = threading.Lock()


def after_response(job, *args) -> None:
    """Run ``job(*args)`` in a thread with this app's context; errors are logged."""
    app = current_app._get_current_object()

    def run():
        try:
            with app.app_context():
                try:
                    job(*args)
                except Exception:
                    log.exception("Slack follow-up %s failed", getattr(job, "__name__", job))
                finally:
                    db.session.remove()
        finally:
            with _lock:
                _running.discard(thread)

    thread = threading.Thread(target=run, name="herald-slack", daemon=True)
    with _lock:
        _running.add(thread)
    thread.start()


def wait_idle(timeout: float = 10.0) -> bool:
    """Wait until every follow-up has finished (tests, orderly shutdown)."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            threads = list(_running)
        if not threads:
            return True
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _lock:
                return not _running
