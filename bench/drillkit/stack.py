"""What the drill runs against, all on 127.0.0.1 and stopped by the drill: a fresh
database (a temporary SQLite file, or a schema of its own on the local PostgreSQL), an
SMTP sink and the Twilio fake (threads of the drill's process, so that it can read what
they received), and Herald under gunicorn as ``make serve`` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from pagebench.servers import Processes, tail, wait_until_up
from pgschema import fresh_schema

from drillkit import ROOT
from tests.fakes import FakeTwilio, SmtpSink

TWILIO_FROM = "+14155550000"
SECRET_KEY = "drill-secret-key-not-for-production"


def herald_command(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def prepare_database(kind: str, workdir: Path) -> tuple[str, callable]:
    """An empty database URL for this run, and a function that removes it."""
    if kind == "sqlite":
        return f"sqlite:///{workdir}/drill.db", lambda: None
    return fresh_schema("herald_drill")


def herald_env(
    url: str, workdir: Path, smtp: SmtpSink, twilio: FakeTwilio, port: int, sms_rate: float
) -> dict:
    """Production settings pointed at the local sink and fake."""
    env = dict(os.environ)
    for name in ("HERALD_CELERY_BROKER_URL", "HERALD_BIND", "HERALD_TEST_DATABASE_URL"):
        env.pop(name, None)
    env.update(
        HERALD_ENV="production",
        HERALD_SECRET_KEY=SECRET_KEY,
        HERALD_DATABASE_URL=url,
        HERALD_INSTANCE_PATH=str(workdir / "instance"),
        HERALD_PUBLIC_URL=f"http://127.0.0.1:{port}",
        HERALD_PAGE_NAME="Drill Status",
        HERALD_MAIL_FROM="status@drill.example",
        HERALD_EMAIL_BACKEND="smtp",
        HERALD_SMTP_HOST=smtp.host,
        HERALD_SMTP_PORT=str(smtp.port),
        HERALD_SMS_BACKEND="twilio",
        HERALD_TWILIO_ACCOUNT_SID=twilio.account_sid,
        HERALD_TWILIO_AUTH_TOKEN=twilio.auth_token,
        HERALD_TWILIO_FROM=TWILIO_FROM,
        HERALD_TWILIO_API_BASE=twilio.url,
        HERALD_SMS_RATE=f"{sms_rate:g}",
        HERALD_CACHE_CHECK_SECONDS="0.1",
        PORT=str(port),
    )
    return env


def run_herald(args: list[str], env: dict, timeout: float = 60) -> str:
    """A ``herald`` command (its output); a failure stops the drill with its message."""
    done = subprocess.run(
        [herald_command("herald"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"herald {' '.join(args[:1])} failed: {done.stderr or done.stdout}")
    return done.stdout


def start_server(procs: Processes, env: dict, workdir: Path) -> Path:
    """gunicorn as ``make serve`` runs it (its config: web processes, and the worker
    process the master starts, unless ``env`` says otherwise) on ``env["PORT"]``;
    returns its log."""
    log = workdir / "herald.log"
    with open(log, "wb") as out:
        proc = procs.start(
            "herald",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_until_up(int(env["PORT"]), "/api/v2/status.json", proc, log)
    return log


def server_errors(log: Path) -> list[str]:
    """Tracebacks and error lines the server wrote."""
    lines = tail(log, 100_000).splitlines()
    return [line for line in lines if "Traceback" in line or " ERROR " in line.upper()]


class Arrivals:
    """Watches the sink and the fake: when the count of received messages last grew."""

    def __init__(self, smtp: SmtpSink, twilio: FakeTwilio, every: float = 0.02):
        self.smtp, self.twilio, self.every = smtp, twilio, every
        self.count, self.last_at = 0, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="drill-arrivals", daemon=True)

    def received(self) -> int:
        return len(self.smtp.messages) + len(self.twilio.messages)

    def _watch(self) -> None:
        while not self._stop.is_set():
            now, count = time.time(), self.received()
            if count != self.count:
                self.count, self.last_at = count, now
            self._stop.wait(self.every)

    def __enter__(self) -> Arrivals:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
