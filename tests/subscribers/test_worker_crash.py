"""A worker killed in the middle of a fan-out loses nothing and re-sends nothing that it
had recorded as sent: a real ``herald worker`` process is killed with SIGKILL and a new
one finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

from sqlalchemy import func, select

from core.db import db
from subscribers.models import Delivery
from subscribers.outbox import Message, create_broadcast
from tests.fakes import SmtpSink
from tests.waiting import wait_until

SUBSCRIBERS = 800
BATCH = 20


def start_worker(database_url: str, sink: SmtpSink) -> subprocess.Popen:
    env = dict(
        os.environ,
        HERALD_ENV="development",
        HERALD_SECRET_KEY="crash-test",
        HERALD_DATABASE_URL=database_url,
        HERALD_PUBLIC_URL="https://status.example.com",
        HERALD_EMAIL_BACKEND="smtp",
        HERALD_SMTP_HOST=sink.host,
        HERALD_SMTP_PORT=str(sink.port),
        HERALD_SMTP_BATCH=str(BATCH),
        HERALD_DELIVERY_LEASE_SECONDS="2",
        HERALD_WORKER_LEASE_SECONDS="2",
    )
    env.pop("HERALD_CELERY_BROKER_URL", None)
    herald = os.path.join(os.path.dirname(sys.executable), "herald")
    return subprocess.Popen(
        [herald, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def count(state: str) -> int:
    db.session.rollback()  # see what the worker committed
    return db.session.scalar(select(func.count()).where(Delivery.state == state))


def test_a_killed_worker_loses_nothing_and_resends_nothing_recorded_as_sent(
    database_url, make_subscriber, audiences
):
    from subscribers.registry import add_internal

    for i in range(SUBSCRIBERS):
        add_internal("email", f"person{i:05d}@example.com", "customers", notify=False)
    db.session.commit()
    with SmtpSink() as sink:
        worker = start_worker(database_url, sink)
        try:
            create_broadcast(
                "customers", Message("Outage", "Body [%unsubscribe_url%]"), source="crash-test"
            )
            db.session.commit()
            # Kill it while it is sending: some sent, most not.
            wait_until(lambda: len(sink.messages) >= 150, 60, "the first messages")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.communicate(timeout=10)
        received_before = len(sink.messages)
        db.session.rollback()
        at_kill = dict(db.session.execute(select(Delivery.address, Delivery.state)).all())
        sent_at_kill = {a for a, s in at_kill.items() if s == "sent"}
        in_flight = {a for a, s in at_kill.items() if s == "sending"}
        assert 0 < len(sent_at_kill) < SUBSCRIBERS, "the kill did not land mid-run"
        assert received_before < SUBSCRIBERS
        assert len(in_flight) <= BATCH

        worker = start_worker(database_url, sink)
        try:
            wait_until(lambda: count("sent") == SUBSCRIBERS, 120, "every delivery sent")
        finally:
            worker.send_signal(signal.SIGTERM)
            _, errors = worker.communicate(timeout=30)
    times = Counter(address for m in sink.messages for address in m.recipients)
    assert set(times) == {f"person{i:05d}@example.com" for i in range(SUBSCRIBERS)}
    duplicates = {address for address, n in times.items() if n > 1}
    # At-least-once: only a delivery that was in flight at the kill can arrive twice.
    assert duplicates <= in_flight
    assert all(times[address] == 1 for address in sent_at_kill)
    assert max(times.values()) <= 2
    assert worker.returncode == 0, errors.decode()[-2000:]
