"""Polling other people's servers never holds up a broadcast: the polls are slow
periodic jobs, run on a thread (or Celery task) of their own."""

from __future__ import annotations

import threading
import time

from subscribers.worker import periodic_jobs, register_periodic_job, run_periodic_jobs


def test_the_feed_polls_are_slow_jobs_and_the_rest_are_not(app):
    slow = dict(periodic_jobs(app, slow=True))
    fast = dict(periodic_jobs(app))
    assert {"vendor-sources", "listening-feeds"} <= set(slow)
    assert not {"vendor-sources", "listening-feeds"} & set(fast)
    assert {"cadence", "maintenance", "alerts", "leases", "finish"} <= set(fast)


def test_a_slow_job_does_not_delay_a_round_of_the_others(app):
    started, release = threading.Event(), threading.Event()
    ran = []

    def hanging_poll():
        started.set()
        release.wait(10)

    register_periodic_job(app, "hanging-poll", hanging_poll, slow=True)
    register_periodic_job(app, "quick", lambda: ran.append(time.monotonic()))
    try:
        poller = threading.Thread(target=run_periodic_jobs, args=(app,), kwargs={"slow": True})
        poller.start()
        assert started.wait(5)
        run_periodic_jobs(app)  # the coordinator's round, while the poll hangs
        assert len(ran) == 1
    finally:
        release.set()
        poller.join(10)
        app.extensions["herald.periodic_jobs"].pop("hanging-poll")
        app.extensions["herald.periodic_jobs"].pop("quick")
