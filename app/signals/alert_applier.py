"""Alert deliveries settled just after they are answered.

A delivery that starts or stops an alert counting changes component statuses: the
component, its dependants, the uptime intervals, the audit, the page version and the
teams' roll calls, some fifty statements, and a new critical alert also proposes an
incident and tells the incident team. Alertmanager waits for each answer, and a burst of
deliveries would queue behind that work. So the webhook stores the alerts, commits and
answers; a thread of the process (one per application) then settles them
(``app.signals.alerts.settle``), a few milliseconds later. The alerts are stored before
the answer, so nothing is lost if the process stops in between: the periodic job
"alerts" settles them within a tick. Settling runs one at a time across threads and
processes (``one_settler_at_a_time``).

With ``ALERT_CLAIMS_IN_REQUEST`` (the tests) the request settles after its commit,
before answering, so that a test reads the delivery's effects at once.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from app.signals.alerts import settle
from core.db import db

log = logging.getLogger(__name__)
EXTENSION_KEY = "herald.alert_applier"
THREAD_NAME = "herald-alert-settler"
_START = threading.Lock()


def after_delivery() -> None:
    """A delivery that changed alerts was committed: have them settled."""
    app = current_app._get_current_object()
    if app.config.get("ALERT_CLAIMS_IN_REQUEST"):
        settle()
        db.session.commit()
        return
    _wanted(app).set()


def _wanted(app: Flask) -> threading.Event:
    """This application's settling thread's signal, the thread started on first use (in
    the process that serves the delivery: after gunicorn forks, never before)."""
    with _START:
        wanted = app.extensions.get(EXTENSION_KEY)
        if wanted is None:
            wanted = app.extensions[EXTENSION_KEY] = threading.Event()
            threading.Thread(
                target=_settle_when_wanted, args=(app, wanted), name=THREAD_NAME, daemon=True
            ).start()
    return wanted


def _settle_when_wanted(app: Flask, wanted: threading.Event) -> None:
    while True:
        wanted.wait()
        wanted.clear()  # a delivery committed from now on wakes another round
        with app.app_context():
            try:
                settle()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("settling alerts after a delivery failed; the periodic job will")
            finally:
                db.session.remove()
