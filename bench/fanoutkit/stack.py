"""The provider fakes and the workers, each in a process of its own, stopped by PID.

``herald worker`` is the embedded worker in the foreground; ``--celery K`` starts K Celery
worker processes (solo pool, one process each, so each one's memory is its own) on a
Redis queue of their own, purged afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from . import FROM, ROOT, SID, SMS_CONCURRENCY, TOKEN

REDIS_URL = os.environ.get("HERALD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
APPLICATION_NAME = f"herald_bench_{os.getpid()}"
# The Redis queue of this run's Celery workers (purged when they stop).
QUEUE = f"herald-bench-{os.getpid()}"


def bin_path(name: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), name)


class Fake:
    """A provider fake in a process of its own (``python -m tests.fakes KIND``)."""

    def __init__(self, kind: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes", kind],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.process.stdout.readline().strip()
        if not self.url:
            raise RuntimeError(f"the {kind} fake did not start")

    def accepted(self) -> int:
        """How many recipients the fake has accepted so far."""
        with urllib.request.urlopen(f"{self.url}/__stats", timeout=5) as response:
            return json.load(response)["accepted"]

    def stop(self) -> None:
        stop_process(self.process, signal.SIGTERM)


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 30) -> str:
    """Stop ``process`` (its PID only) and return the tail of what it wrote to stderr."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        _, errors = process.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate()
    return (errors or "")[-2000:] if isinstance(errors, str) else ""


def trouble(stderr: str) -> str:
    """``stderr`` when it reports an error, else nothing (start-up warnings are noise)."""
    return stderr if any(word in stderr for word in ("Traceback", "ERROR", "Error")) else ""


def herald_env(url: str, sendgrid: Fake, twilio: Fake) -> dict:
    """Production settings pointed at the fakes, SMS rate unlimited."""
    env = dict(os.environ)
    env.pop("HERALD_CELERY_BROKER_URL", None)
    env.update(
        HERALD_ENV="production",
        HERALD_SECRET_KEY="bench",
        HERALD_DATABASE_URL=tagged_url(url),
        HERALD_PUBLIC_URL="https://status.example.com",
        HERALD_MAIL_FROM="status@example.com",
        HERALD_EMAIL_BACKEND="sendgrid",
        HERALD_SENDGRID_API_KEY="SG.bench",
        HERALD_SENDGRID_HOST=sendgrid.url,
        HERALD_SMS_BACKEND="twilio",
        HERALD_TWILIO_ACCOUNT_SID=SID,
        HERALD_TWILIO_AUTH_TOKEN=TOKEN,
        HERALD_TWILIO_FROM=FROM,
        HERALD_TWILIO_API_BASE=twilio.url,
        HERALD_SMS_RATE="0",
        HERALD_SMS_CONCURRENCY=str(SMS_CONCURRENCY),
    )
    return env


def celery_settings() -> dict:
    """The settings that send the fan-out to Celery on the run's own queue."""
    return {"HERALD_CELERY_BROKER_URL": REDIS_URL, "HERALD_CELERY_QUEUE": QUEUE}


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds ``pid`` has used so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state, ppid, ... utime and stime are the 12th and 13th.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tagged_url(url: str) -> str:
    """``url`` with an application name, so that the workers' PostgreSQL backends can be
    told apart from everyone else's (``backend_cpu_seconds``)."""
    if not url.startswith("postgresql"):
        return url
    return f"{url}{'&' if '?' in url else '?'}application_name={APPLICATION_NAME}"


def backend_cpu_seconds(url: str) -> float:
    """CPU seconds used by the PostgreSQL backends of the workers' open connections (the
    server runs on this machine); 0 on SQLite."""
    if not url.startswith("postgresql"):
        return 0.0
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            pids = connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": APPLICATION_NAME},
            ).all()
    finally:
        engine.dispose()
    return sum(cpu_seconds(pid) for pid in pids)


def peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Workers:
    """``herald worker`` (``celery`` = 0) or ``celery`` Celery worker processes."""

    def __init__(self, env: dict, workdir: str, celery: int = 0):
        self.celery = celery
        self.queue = QUEUE
        self.processes: list[subprocess.Popen] = []
        if celery:
            env = dict(env, **celery_settings())
            for i in range(celery):
                self.processes.append(self._start(env, workdir, self._celery_args(i)))
            self._wait_for_celery()
        else:
            worker = self._start(env, workdir, [bin_path("herald"), "worker"])
            self.processes.append(worker)
            line = worker.stdout.readline()
            if "worker running" not in line:
                raise RuntimeError(f"herald worker did not start: {line!r}\n{stop_process(worker)}")

    @property
    def name(self) -> str:
        return f"celery{self.celery}" if self.celery else "embedded"

    def _celery_args(self, i: int) -> list[str]:
        return [
            bin_path("celery"),
            "-A",
            "wsgi.celery",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-n",
            f"herald-bench-{i}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            self.queue,
        ]

    @staticmethod
    def _start(env: dict, workdir: str, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=dict(env, PYTHONPATH=str(ROOT)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def _wait_for_celery(self) -> None:
        """Until every worker answers a ping (then it consumes the queue)."""
        from celery import Celery

        probe = Celery(broker=REDIS_URL, set_as_current=False)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                self.check()
                replies = probe.control.ping(timeout=1.0) or []
                names = {name for reply in replies for name in reply}
                if sum(f"-{os.getpid()}@" in name for name in names) >= self.celery:
                    return
            raise RuntimeError("the Celery workers did not answer within 60 s")
        finally:
            probe.close()

    def check(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited: {stop_process(process)}")

    def peak_mb(self) -> float:
        """The largest peak memory of any one worker process."""
        return max(peak_rss_mb(process.pid) for process in self.processes)

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the worker processes together."""
        return sum(cpu_seconds(process.pid) for process in self.processes)

    def stop(self) -> str:
        errors = "".join(stop_process(process) for process in self.processes)
        if self.celery:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            # The queue and kombu's bindings of it: a run leaves nothing behind.
            client.delete(
                self.queue,
                f"_kombu.binding.{self.queue}",
                f"_kombu.binding_permanent.{self.queue}",
            )
            client.close()
        return errors
