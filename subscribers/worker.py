"""The embedded worker: threads in the web process (or ``herald worker``) that expand
broadcasts, send deliveries and run the periodic jobs, so the default set-up needs no
other service. With HERALD_CELERY_BROKER_URL set, Celery runs the same jobs instead
(subscribers/tasks.py).

The worker owns only delivery's own jobs; the application registers its periodic jobs
(maintenance windows, reminders, overdue updates) with ``register_periodic_job``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

from core.db import db
from subscribers import dispatch, leadership
from subscribers.channels import channels_for
from subscribers.fanout import ContentCache, drain
from subscribers.outbox import (
    expand_step,
    finish_broadcasts,
    pending_broadcast_ids,
    release_expired_leases,
)

log = logging.getLogger(__name__)
JOBS_KEY = "herald.periodic_jobs"
TICK_SECONDS = 5.0
# The slow jobs' thread (polls): rounds are cheap and only start or finish fetches.
SLOW_THREAD_NAME = "herald-slow-jobs"
SLOW_TICK_SECONDS = 1.0
# Retries fall due while nothing wakes a sender: look again this often.
IDLE_SECONDS = 2.0
POLL_SECONDS = 0.25


# Delivery's own periodic jobs, run after the application's.
OWN_JOBS = (("leases", release_expired_leases), ("finish", finish_broadcasts))


def register_periodic_job(
    app: Flask, name: str, job: Callable[[], object], *, slow: bool = False
) -> None:
    """Run ``job()`` (in an app context, in its own transaction) on every tick of the
    worker serving ``app``, embedded or Celery; registering a name again replaces it.

    A ``slow`` job waits on the network (polling vendors' feeds): it runs in a thread (or
    Celery task) of its own, so it never holds up the expansion of a broadcast."""
    jobs = app.extensions.setdefault(JOBS_KEY, {})
    jobs.pop(name, None)
    jobs[name] = (job, slow)


def periodic_jobs(app: Flask, slow: bool = False) -> list[tuple[str, Callable[[], object]]]:
    own = [] if slow else list(OWN_JOBS)
    registered = app.extensions.get(JOBS_KEY, {}).items()
    return [(name, job) for name, (job, is_slow) in registered if is_slow == slow] + own


def run_periodic_jobs(app: Flask, slow: bool = False) -> None:
    """One round of the periodic jobs (the slow ones when ``slow``), each in its own
    transaction."""
    with app.app_context():
        for name, job in periodic_jobs(app, slow):
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


def _hold_lease(app: Flask, holder: str, leader: threading.Event) -> None:
    """Take or renew the worker lease; ``leader`` says whether this process may work."""
    with app.app_context():
        try:
            if leadership.hold(holder, app.config["WORKER_LEASE_SECONDS"]):
                if not leader.is_set():
                    log.info("this process now runs the embedded worker (%s)", holder)
                    leader.set()
                    for signal in dispatch.CHANNEL_WORK.values():
                        signal.set()
            elif leader.is_set():
                log.warning("lost the worker lease; another process runs the worker")
                leader.clear()
        except Exception:
            db.session.rollback()
            leader.clear()
            log.exception("could not renew the worker lease")
        finally:
            db.session.remove()


def _coordinator(app: Flask, stop: threading.Event, leader: threading.Event, holder: str) -> None:
    """Expands broadcasts as soon as they are committed; runs the periodic jobs. Only the
    process holding the worker lease does anything."""
    next_tick = next_renewal = 0.0
    renew_every = app.config["WORKER_LEASE_SECONDS"] / 3
    while not stop.is_set():
        if time.monotonic() >= next_renewal:
            _hold_lease(app, holder, leader)
            next_renewal = time.monotonic() + renew_every
        if not leader.is_set():
            stop.wait(min(renew_every, 1.0))
            continue
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


def _slow_jobs(app: Flask, stop: threading.Event, leader: threading.Event) -> None:
    """The slow periodic jobs, on their own thread, while this process holds the lease."""
    while not stop.is_set():
        if leader.is_set():
            try:
                run_periodic_jobs(app, slow=True)
            except Exception:
                log.exception("slow periodic jobs failed")
        stop.wait(SLOW_TICK_SECONDS)


def _sender(app: Flask, kind: str, stop: threading.Event, leader: threading.Event) -> None:
    """Sends one channel's deliveries whenever there are some (while this process holds
    the worker lease)."""
    signal = dispatch.CHANNEL_WORK[kind]
    with app.app_context():
        channel = channels_for(app, only=kind)[kind]
        contents = ContentCache()
        try:
            while not stop.is_set():
                signal.clear()
                if not leader.is_set():
                    signal.wait(IDLE_SECONDS)
                    continue
                try:
                    drain(channel, contents, stop=_Either(stop, leader))
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
    leader = threading.Event()
    holder = leadership.holder_name()
    threads = [
        threading.Thread(
            target=_coordinator,
            args=(app, stop, leader, holder),
            name="herald-coordinator",
            daemon=True,
        ),
        threading.Thread(
            target=_slow_jobs, args=(app, stop, leader), name=SLOW_THREAD_NAME, daemon=True
        ),
    ]
    threads += [
        threading.Thread(
            target=_sender,
            args=(app, kind, stop, leader),
            name=f"herald-send-{kind}",
            daemon=True,
        )
        for kind in dispatch.CHANNEL_WORK
    ]
    for thread in threads:
        thread.start()
    stop.threads = threads  # type: ignore[attr-defined]
    stop.holder = holder  # type: ignore[attr-defined]
    return stop


class _Either:
    """Stop when the worker stops or loses the lease (quacks like an Event for drain)."""

    def __init__(self, stop: threading.Event, leader: threading.Event):
        self.stop, self.leader = stop, leader

    def is_set(self) -> bool:
        return self.stop.is_set() or not self.leader.is_set()


def run_forever(app: Flask, stop: threading.Event) -> None:
    """``herald worker``: the embedded worker in the foreground."""
    handle = start_embedded_worker(app)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        handle.set()
        for thread in getattr(handle, "threads", []):
            thread.join(timeout=30)
        if getattr(handle, "holder", None):
            with app.app_context():
                leadership.release(handle.holder)
                db.session.remove()
