"""Fan-out benchmark: one published update to many email and SMS subscribers.

    .venv/bin/python bench/fanout.py [--email N] [--sms N] [--db sqlite|postgres|both]
                                     [--celery K]

For each database it seeds the subscribers (one ``INSERT … SELECT``; the time is
printed), starts the SendGrid and Twilio fakes each in a process of its own and the
workers pointed at them (SMS rate unlimited): one ``herald worker`` (the embedded
worker), or with ``--celery K`` K Celery worker processes on Redis. It declares an
incident that notifies everyone and waits until the providers have accepted every
delivery. Before that it makes the same provider calls directly, with no Herald in
between, for the transport floor: per channel alone, and both side by side.

Prints per channel its deliveries, time, floor, ratio and seconds per 100,000 (to
compare runs of different sizes for linearity); the time to the 1,000 key-account
(priority) recipients; the largest peak memory of a worker process; and per database a
line per channel and last the issue's line:
``[<db>-<worker>] fanout: <N> deliveries in <S> s (floor <F> s, ratio <R>), first after
<T> s, peak <M> MB``.

Targets on a 2-core machine: each channel's ratio at most 2, first delivery and the
priority recipients within 1 s, peak memory at most 500 MB per worker, 110,000 mixed in
at most 30 s. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import fanoutkit  # noqa: F401  (puts the repository root on sys.path)
from fanoutkit import results
from fanoutkit.floor import transport_floor
from fanoutkit.seeding import prepare_database, publish, seed
from fanoutkit.stack import (
    Fake,
    Workers,
    backend_cpu_seconds,
    celery_settings,
    herald_env,
    trouble,
)

TIMEOUT = 1800


def bench_app(url: str, celery: bool):
    """The bench's own Herald app: it seeds and publishes; with Celery its publish sends
    the expansion task to the workers' queue."""
    from app import create_app

    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench",
        "PUBLIC_URL": "https://status.example.com",
        "EMBEDDED_WORKER": False,
    }
    if celery:
        env = celery_settings()
        settings.update(
            CELERY_BROKER_URL=env["HERALD_CELERY_BROKER_URL"],
            CELERY_QUEUE=env["HERALD_CELERY_QUEUE"],
        )
    app = create_app(settings)
    if celery:
        from subscribers.celery_app import make_celery

        make_celery(app)
    return app


def wait_for_providers(fakes: list[Fake], expected: int, workers: Workers) -> None:
    """Watch the providers, not the database: polling a busy table would slow down what
    is measured."""
    deadline = time.monotonic() + TIMEOUT
    while (accepted := sum(fake.accepted() for fake in fakes)) < expected:
        workers.check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"stopped at {accepted}/{expected} accepted")
        time.sleep(0.1)


def run_herald(kind: str, emails: int, sms: int, celery: int, floors: dict):
    sendgrid, twilio = Fake("sendgrid"), Fake("twilio")
    workers = None
    with tempfile.TemporaryDirectory(prefix="herald-fanout-") as workdir:
        url, drop = prepare_database(kind, workdir)
        try:
            env = herald_env(url, sendgrid, twilio)
            workers = Workers(env, workdir, celery)
            app = bench_app(url, bool(celery))
            component_id, seed_seconds = seed(app, emails, sms)
            print(
                f"  seeded {emails:,} email and {sms:,} SMS subscribers in {seed_seconds:.1f} s",
                flush=True,
            )
            cpu_before = workers.cpu_seconds()
            started = publish(app, component_id)
            wait_for_providers([sendgrid, twilio], emails + sms, workers)
            peak = workers.peak_mb()
            time.sleep(1.0)  # let the workers record the last batch
            cpu = {
                "workers": workers.cpu_seconds() - cpu_before,
                "database": backend_cpu_seconds(url),
            }
            errors = trouble(workers.stop())
            timings = results.read_timings(app, started)
            with app.app_context():
                from core.db import db

                db.engine.dispose()
            result = results.build(kind, workers.name, timings, floors, peak, seed_seconds, errors)
            result.cpu = cpu
            return result
        finally:
            if workers is not None:
                workers.stop()
            drop()
            sendgrid.stop()
            twilio.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--email", type=int, default=100_000, help="email subscribers")
    parser.add_argument("--sms", type=int, default=10_000, help="SMS subscribers")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--celery",
        type=int,
        default=0,
        metavar="K",
        help="K Celery workers instead of one herald worker (PostgreSQL and Redis)",
    )
    args = parser.parse_args()
    if args.email < 0 or args.sms < 0 or args.email + args.sms == 0:
        parser.error("--email and --sms must not be negative, and not both zero")
    if args.celery < 0:
        parser.error("--celery must not be negative")
    if args.celery and args.db != "postgres":
        parser.error("--celery runs on PostgreSQL only: add --db postgres")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    floors = transport_floor(args.email, args.sms)
    print(
        "transport floor: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in floors.items())
        + f" for {args.email:,} email and {args.sms:,} SMS"
    )
    runs = []
    for kind in kinds:
        print(f"\n== {kind}", flush=True)
        result = run_herald(kind, args.email, args.sms, args.celery, floors)
        results.print_details(result)
        runs.append(result)
    print()
    for result in runs:
        for channel in result.channels:
            print(results.channel_line(result, channel))
        print(results.last_line(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
