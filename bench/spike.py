"""The worst minute: the status page under load while a fan-out runs (issue 11).

    .venv/bin/python bench/spike.py [--deliveries N] [--sms N]
                                    [--worker embedded|process|separate|celery]
                                    [--celery K]

Starts Herald as the README's production command does (``herald db upgrade``, then
gunicorn with gunicorn.conf.py) on a PostgreSQL schema of its own, with the SendGrid and
Twilio fakes (each in a process of its own). The page is seeded as bench/page.py seeds
it; N subscribers (``--sms`` of them by SMS, the rest by email) hear about a component.
The fan-out runs on the embedded worker in the web processes (``embedded``, the
default), on a ``herald worker`` process the gunicorn master starts at a lower CPU
priority (``process``: ``HERALD_WORKER_PROCESS=true``, see gunicorn.conf.py), on one
``herald worker`` started apart with ``HERALD_EMBEDDED_WORKER=false`` (``separate``), or
on K Celery workers on Redis (``celery``).

wrk loads ``/`` with 64 connections in 3 s pieces (to see inside the fan-out window):
the page alone, then the page while a fan-out of N deliveries runs (publish → the
providers accepted all), then the same fan-out again with no page load. Prints each
piece (req/s, p50, p99, the busiest web process's share of the CPU) and last:
``spike: page p99 <P1> ms alone, <P2> ms during fan-out; page <R> of its alone req/s;
fan-out <S2> s under load, <S1> s alone``.

A phase's p99 is the mean of its pieces' p99s weighted by their requests; the worst
piece is printed too. Targets (2 cores): p99 during fan-out ≤ 50 ms, page ≥ 0.5 of its
alone rate, fan-out under load ≤ 1.5 × alone. Every process it starts is stopped by PID.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fanoutkit import ROOT
from fanoutkit.seeding import publish, seed
from fanoutkit.stack import Fake, Workers, celery_settings, herald_env, tagged_url, trouble
from pagebench.load import WrkResult, run_wrk
from pagebench.servers import HOST, Processes, start_gunicorn, wait_until_up
from pgschema import fresh_schema

PIECE_SECONDS = 3
ALONE_PIECES = 3
CONNECTIONS = 64
STALL = 60  # seconds without a delivery accepted: the fan-out is stuck
TARGETS = {"p99_ms": 50.0, "share": 0.5, "slowdown": 1.5}


def weighted_p99(pieces: list[WrkResult]) -> float:
    requests = sum(p.requests for p in pieces)
    return sum(p.p99_ms * p.requests for p in pieces) / requests if requests else float("nan")


def rate(pieces: list[WrkResult]) -> float:
    return sum(p.rps for p in pieces) / len(pieces) if pieces else float("nan")


def show(phase: str, piece: WrkResult) -> None:
    print(
        f"  {phase:<8} {piece.rps:>8.0f} req/s  p50 {piece.p50_ms:>6.1f} ms  p99 "
        f"{piece.p99_ms:>6.1f} ms  busiest web process {piece.busiest:>4.0%}  "
        f"{piece.errors or ''}",
        flush=True,
    )


def prepare(tmp: Path, url: str, env: dict, emails: int, sms: int):
    """Migrate as ``make serve`` does, seed the page and the subscribers; returns the
    bench's own app and the id of the component the fan-outs are about."""
    herald = Path(sys.executable).parent / "herald"
    upgrade = subprocess.run(
        [str(herald), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if upgrade.returncode != 0:
        raise RuntimeError(f"herald db upgrade failed:\n{upgrade.stderr[-2000:]}")
    # The page is seeded through the services by an app built from the environment;
    # its broadcasts are expanded (to nobody) before any subscriber exists.
    os.environ.update({key: value for key, value in env.items() if "CELERY" not in key})
    os.environ["HERALD_DATABASE_URL"] = url
    from pagebench.seed import seed as seed_page

    from app import create_app
    from core.db import db
    from subscribers.outbox import finish_broadcasts, pending_broadcast_ids
    from subscribers.worker import expand_pending

    seed_page()
    settings = {"SQLALCHEMY_DATABASE_URI": url, "EMBEDDED_WORKER": False}
    quiet = create_app(settings)
    with quiet.app_context():
        while pending_broadcast_ids():
            expand_pending(quiet)
        finish_broadcasts()
        db.session.remove()
    if env.get("HERALD_CELERY_BROKER_URL"):
        settings.update(
            CELERY_BROKER_URL=env["HERALD_CELERY_BROKER_URL"],
            CELERY_QUEUE=env["HERALD_CELERY_QUEUE"],
        )
    app = create_app(settings)
    if env.get("HERALD_CELERY_BROKER_URL"):
        from subscribers.celery_app import make_celery

        make_celery(app)
    component_id, seconds = seed(app, emails, sms)
    print(f"  seeded the page and {emails:,} email and {sms:,} SMS subscribers ({seconds:.1f} s)")
    return app, component_id


def fanout_seconds(app, started: float) -> float:
    """Publish (wall time ``started``) → the last delivery of the newest broadcast sent."""
    from sqlalchemy import func, select

    from core.db import db
    from subscribers.models import Broadcast, Delivery

    with app.app_context():
        newest = db.session.scalar(select(func.max(Broadcast.id)))
        last = db.session.scalar(
            select(func.max(Delivery.sent_at)).where(Delivery.broadcast_id == newest)
        )
        db.session.remove()
    return last.timestamp() - started


class Progress:
    """Whether the providers have accepted ``expected`` deliveries; raises when the
    fan-out stalls (nothing accepted for STALL seconds) or a process died."""

    def __init__(self, fakes: list[Fake], expected: int, server, workers: Workers | None):
        self.fakes, self.expected, self.server, self.workers = fakes, expected, server, workers
        self.seen, self.moved = -1, time.monotonic()

    def done(self) -> bool:
        accepted = sum(fake.accepted() for fake in self.fakes)
        if accepted != self.seen:
            self.seen, self.moved = accepted, time.monotonic()
        if accepted >= self.expected:
            return True
        if self.workers is not None:
            self.workers.check()
        if self.server.poll() is not None or time.monotonic() - self.moved > STALL:
            raise RuntimeError(f"the fan-out stopped at {accepted}/{self.expected}")
        return False


def run(args, procs: Processes, tmp: Path) -> int:
    url, drop = fresh_schema("herald_spike")
    sendgrid, twilio = Fake("sendgrid"), Fake("twilio")
    workers = None
    try:
        env = herald_env(url, sendgrid, twilio)
        env.update(HERALD_SECRET_KEY="spike", HERALD_DATABASE_URL=tagged_url(url))
        env.pop("HERALD_ACCESS_LOG", None)
        env.pop("HERALD_WEB_PROCESSES", None)
        if args.worker == "celery":
            env.update(celery_settings())
        embedded = args.worker in ("embedded", "process")
        env["HERALD_EMBEDDED_WORKER"] = "true" if embedded else "false"
        env["HERALD_WORKER_PROCESS"] = "true" if args.worker == "process" else "false"
        emails, sms = args.deliveries - args.sms, args.sms
        app, component_id = prepare(tmp, url, env, emails, sms)
        if not embedded:
            workers = Workers(env, str(tmp), args.celery if args.worker == "celery" else 0)
        server, port, log = start_gunicorn(procs, "herald", "wsgi:app", env, tmp, [])
        wait_until_up(port, "/", server, log)
        page = f"http://{HOST}:{port}/"
        run_wrk(procs, page, 2, CONNECTIONS, 2)  # warm every process and thread
        fakes = [sendgrid, twilio]

        def piece() -> WrkResult:
            return run_wrk(procs, page, PIECE_SECONDS, CONNECTIONS, 2, server_pid=server.pid)

        print(f"\n{args.worker} worker; wrk -c{CONNECTIONS} on / in {PIECE_SECONDS} s pieces")
        alone = []
        for _ in range(ALONE_PIECES):
            alone.append(piece())
            show("alone", alone[-1])

        started = publish(app, component_id)
        progress = Progress(fakes, args.deliveries, server, workers)
        during = []
        while not progress.done():
            during.append(piece())
            show("during", during[-1])
        time.sleep(1.0)  # let the worker record the last batch
        under_load = fanout_seconds(app, started)

        started = publish(app, component_id, title="Checkout errors again")
        progress = Progress(fakes, 2 * args.deliveries, server, workers)
        while not progress.done():
            time.sleep(0.1)
        time.sleep(1.0)
        by_itself = fanout_seconds(app, started)
        report(args, alone, during, under_load, by_itself)
        with app.app_context():
            from core.db import db

            db.engine.dispose()
        return 0
    finally:
        procs.stop_all()
        if workers is not None and (errors := trouble(workers.stop())):
            print(f"workers' stderr (tail):\n{errors}")
        sendgrid.stop()
        twilio.stop()
        drop()


def report(args, alone, during, under_load: float, by_itself: float) -> None:
    p1, p2 = weighted_p99(alone), weighted_p99(during)
    share = rate(during) / rate(alone)
    worst = max((p.p99_ms for p in during), default=float("nan"))
    rows = [
        ("page p99 during fan-out", f"{p2:.1f} ms", f"≤ {TARGETS['p99_ms']:.0f} ms",
         p2 <= TARGETS["p99_ms"]),
        ("page req/s during / alone", f"{share:.2f}", f"≥ {TARGETS['share']}",
         share >= TARGETS["share"]),
        ("fan-out under load / alone", f"{under_load / by_itself:.2f}",
         f"≤ {TARGETS['slowdown']}", under_load / by_itself <= TARGETS["slowdown"]),
    ]  # fmt: skip
    print(
        f"\n{args.deliveries:,} deliveries ({args.sms:,} SMS), {args.worker} worker: page "
        f"alone {rate(alone):.0f} req/s, during {rate(during):.0f} req/s over "
        f"{len(during)} pieces (worst p99 {worst:.1f} ms)"
    )
    for name, figure, target, ok in rows:
        print(f"  {name:<30}{figure:>10}   {target:<10}{'ok' if ok else 'MISSED'}")
    print(
        f"spike: page p99 {p1:.0f} ms alone, {p2:.0f} ms during fan-out; page {share:.2f} "
        f"of its alone req/s; fan-out {under_load:.1f} s under load, {by_itself:.1f} s alone"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=110_000, help="per fan-out")
    parser.add_argument("--sms", type=int, default=0, help="of them by SMS")
    parser.add_argument(
        "--worker", choices=("embedded", "process", "separate", "celery"), default="embedded"
    )
    parser.add_argument("--celery", type=int, default=2, metavar="K", help="Celery workers")
    args = parser.parse_args()
    if args.deliveries < 1 or not 0 <= args.sms <= args.deliveries:
        parser.error("--deliveries must be at least 1 and --sms between 0 and it")
    if args.celery < 1:
        parser.error("--celery must be at least 1")
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix="herald-spike-"))
    try:
        return run(args, procs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
