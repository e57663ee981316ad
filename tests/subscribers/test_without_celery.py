"""Celery and Redis are an extra: the embedded default imports and delivers without them,
and a broker setting without Celery installed fails at start with a message that says
how to fix it. Each case runs in a fresh interpreter where ``celery``, ``kombu`` and
``redis`` cannot be imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BLOCK = """
import sys
for name in ("celery", "kombu", "redis", "billiard"):
    sys.modules[name] = None  # "import celery" now fails as if it were not installed
"""

EMBEDDED = """
import os, threading, time

import wsgi  # gunicorn's entry point
from core.db import db
from subscribers import registry
from subscribers.models import Delivery
from subscribers.outbox import Message, create_broadcast
from subscribers.worker import start_embedded_worker

assert wsgi.celery is None
app = wsgi.app
with app.app_context():
    db.create_all()
    registry.activate(registry.subscribe("email", "ann@example.com"), "test")
    create_broadcast(
        "customers", Message(subject="Hi", text="Hello", sms="Hi"), source="t:1",
        channels=["email"],
    )
    db.session.commit()
stop = start_embedded_worker(app)
state = None
for _ in range(600):
    with app.app_context():
        # Every delivery: the subscriber's own notice as well as the broadcast's (both
        # written: the notice alone may be sent before the broadcast is expanded).
        rows = db.session.scalars(db.select(Delivery.state)).all()
        db.session.remove()
    states = set(rows)
    state = states.pop() if len(rows) >= 2 and len(states) == 1 else None
    if state == "sent":
        break
    time.sleep(0.1)
stop.set()
for thread in stop.threads:
    thread.join(timeout=30)
outbox = os.path.join(app.instance_path, "outbox")
mails = [open(os.path.join(outbox, n), encoding="utf-8").read() for n in os.listdir(outbox)]
print("state", state, "sent", sum("Subject: Hi" in mail for mail in mails))
print("celery loaded", [m for m in ("celery", "kombu", "redis") if sys.modules.get(m)])
"""


def run(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HERALD_") and key != "PYTHONPATH"
    }
    environ.update(
        HERALD_ENV="development",
        HERALD_SECRET_KEY="without-celery",
        HERALD_INSTANCE_PATH=str(tmp_path),
        HERALD_DATABASE_URL=f"sqlite:///{tmp_path / 'herald.db'}",
        PYTHONPATH=ROOT,
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BLOCK) + textwrap.dedent(code)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_embedded_default_imports_and_delivers_without_celery(tmp_path):
    done = run(EMBEDDED, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "state sent sent 1" in done.stdout
    assert "celery loaded []" in done.stdout


def test_a_broker_without_celery_installed_fails_at_start_and_says_how_to_fix_it(tmp_path):
    done = run("import wsgi", tmp_path, HERALD_CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert done.returncode != 0
    assert "HERALD_CELERY_BROKER_URL is set, but Celery is not installed" in done.stderr
    assert "pip install 'herald[celery]'" in done.stderr


def test_the_tasks_module_names_the_missing_extra_too(tmp_path):
    done = run("import subscribers.tasks", tmp_path)
    assert done.returncode != 0
    assert "pip install 'herald[celery]'" in done.stderr
