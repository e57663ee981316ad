"""Signals in, measured: 200 vendor sources polled by one worker while Alertmanager posts
20 deliveries a second, against a running Herald.

    .venv/bin/python bench/signals.py [--quick] [--pg] [--seconds S]

It starts everything itself on 127.0.0.1 and stops it by PID: a fresh database (a
temporary SQLite file, or with ``--pg`` a schema of its own in the local PostgreSQL's
``test`` database, dropped afterwards), 200 fake vendors on one local server
(bench/signalkit/vendors.py: Statuspage summaries, RSS and Atom feeds with ETags and
304s; 5 answering after the fetch timeout, 5 just under it, 5 with HTTP 500), and Herald
under gunicorn as ``make serve`` runs it (production settings, the worker in the process
the gunicorn master starts; ``HERALD_WORKER_PROCESS=false`` in the environment puts its
threads in the web processes instead; ``HERALD_WEBHOOK_ALLOW_PRIVATE`` on for the local
fake).

Through the management API (an admin's token from ``herald create-token``) it adds the
200 sources, every one polled each 30 s (the minimum), some mapped to components, and an
Alertmanager integration. Then it measures:

(a) every source polled within its interval: each source's ``last_polled_at`` as the API
    lists it every few seconds; the gaps between polls of the sources that answer in
    time, against 30 s + 10 % jitter + 2 s (the first poll after adding, when all 200
    are due at once, is reported apart);
(b) the change seen: just after vendor 0 was polled (the worst moment) its API
    component degrades; the time until the internal page, signed in as staff, shows
    the mapped component degraded (target: the interval + 2 s);
(c) Alertmanager deliveries (version 4, firing and resolved alerts on a few
    fingerprints) at 20 a second meanwhile, for 20 s with ``--quick`` and up to 2 minutes
    in a full run (2,400 deliveries: a p99 that one stall does not decide): each one's
    latency (target p99 ≤ 50 ms);
(d) errors: alert deliveries not answered 2xx, polls of healthy sources that failed,
    failing sources read as healthy, tracebacks in the server's log.

Bounded: 4 minutes by default, about 90 s with ``--quick``. Prints each measure and last
``signals: <N> sources every <I> s, change seen after <S> s, alert p99 <MS> ms, <E> errors``
(N: sources polled within their interval; I: the longest gap between two polls of a
source that answers in time). Exits 1 when E > 0 or a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import signalkit  # noqa: F401  (puts the repository root and bench/ on sys.path)
from drillkit import stack
from drillkit.client import Api
from pagebench.servers import Processes, free_port, tail
from signalkit import vendors as fake
from signalkit.alerts import post_alerts
from signalkit.watch import PollLog, StaffPage

from tests.fakes import FakeTwilio, SmtpSink

POLL_SECONDS = 30  # the minimum Herald allows
JITTER = 0.10  # app/signals/polling.py
SLACK = 2.0  # seconds allowed past the longest jittered interval, and for the change
ALERT_RATE, ALERT_SECONDS = 20, 20  # at least; a full run posts for up to 2 minutes
MAX_ALERT_SECONDS = 120
ALERT_P99_TARGET_MS = 50
ADMIN = "bench-admin@signals.example"
PASSWORD = "signals-bench-password-0123"
FLIP_COMPONENT = "Payments gateway"
SERVICES = [f"Service {n:02d}" for n in range(1, 13)]


class BenchTimeout(Exception):
    pass


def _alarm(*_):
    raise BenchTimeout("the benchmark ran out of time")


def seed_components(app) -> None:
    """The components sources and alerts point at: twelve services (the first tier 1)
    and the one vendor 0 stands for."""
    from app.status.components import create_component
    from core.db import db

    with app.app_context():
        for position, name in enumerate([FLIP_COMPONENT, *SERVICES]):
            create_component(
                None, name, tier="tier1" if position < 2 else "tier2", position=position
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def source_body(vendors: fake.FakeVendors, index: int) -> dict:
    """What the API is sent for vendor ``index``: every fifth vendor mapped to a service
    (its "API" component, or the whole vendor for a feed), vendor 0 to its own."""
    kind = fake.herald_kind(index)
    vendor_component = "API" if kind == "statuspage" else "*"
    components = {}
    if index == fake.FLIP:
        components = {vendor_component: FLIP_COMPONENT}
    elif index % 5 == 0:
        components = {vendor_component: SERVICES[(index // 5) % len(SERVICES)]}
    return {
        "name": f"Vendor {index:03d}",
        "url": vendors.url(index),
        "kind": kind,
        "components": components,
        "poll_seconds": POLL_SECONDS,
    }


def polling_figures(log: PollLog, created: dict[str, tuple[int, float]], end: float) -> dict:
    """Gaps between polls per source, from the sampled ``last_polled_at``."""
    bound = POLL_SECONDS * (1 + JITTER) + SLACK
    expected = {
        sid: index
        for sid, (index, _) in created.items()
        if fake.behaviour(index) in ("healthy", "slow_near")
    }
    worst_gap, on_time, late, first_delays, failed_polls, never = 0.0, 0, [], [], [], []
    for sid, index in expected.items():
        seen = log.sources.get(sid)
        polls = sorted(seen.polls) if seen else []
        if not polls:
            never.append(index)
            continue
        first_delays.append(polls[0] - created[sid][1])
        gaps = [b - a for a, b in pairwise(polls)]
        # A poll is listed once its answer is in: at the end, one begun on time may still
        # be waiting for a slow vendor (up to the fetch timeout), unseen. Only a source
        # unlisted for longer than that has stopped being polled.
        unseen = end - polls[-1]
        gaps.append(unseen if unseen > bound + fake.FETCH_TIMEOUT else 0.0)
        worst = max(gaps)
        worst_gap = max(worst_gap, worst)
        if worst <= bound:
            on_time += 1
        else:
            late.append((index, round(worst, 1)))
        failed_polls += [(index, error) for error in seen.polls.values() if error]
    misread = []
    for sid, (index, _) in created.items():
        seen = log.sources.get(sid)
        if fake.behaviour(index) in ("slow_over", "failing") and seen and seen.state == "ok":
            misread.append(index)
    return {
        "bound": bound,
        "expected": len(expected),
        "on_time": on_time,
        "late": late,
        "worst_gap": worst_gap,
        "first_delay_max": max(first_delays, default=float("nan")),
        "failed_polls": failed_polls,
        "never": never,
        "misread": misread,
        "states": Counter(s.state for s in log.sources.values()),
    }


def bench(db_kind: str, total: float) -> tuple[str, bool]:
    from app import create_app

    procs = Processes()
    began = time.time()
    deadline = began + total - 10  # what is left is for stopping everything
    with (
        tempfile.TemporaryDirectory(prefix="herald-signals-") as tmp,
        SmtpSink() as smtp,
        FakeTwilio() as twilio,
        fake.FakeVendors() as vendors,
    ):
        workdir = Path(tmp)
        url, drop = stack.prepare_database(db_kind, workdir)
        try:
            port = free_port()
            env = stack.herald_env(url, workdir, smtp, twilio, port, 0)
            env.update(
                HERALD_PAGE_NAME="Signals Bench Status",
                HERALD_WEBHOOK_ALLOW_PRIVATE="true",
                HERALD_EMBEDDED_WORKER="true",
            )
            os.environ.update(env)
            stack.run_herald(["db", "upgrade"], env)
            seed_components(create_app())
            stack.run_herald(
                ["create-user", ADMIN, "--role", "admin", "--password", PASSWORD, "--name", "Bea"],
                env,
            )
            token = stack.run_herald(["create-token", ADMIN, "--name", "bench"], env)
            token = token.strip().splitlines()[-1]
            log_path = stack.start_server(procs, env, workdir)
            api = Api(port, token, "admin")
            staff = StaffPage(port, ADMIN, PASSWORD)
            integration = api.post(
                "/api/v1/integrations",
                {"kind": "alertmanager", "name": "Prometheus"},
                expect=(201,),
            )
            print(f"  serving on 127.0.0.1:{port} ({db_kind}) after {time.time() - began:.1f} s")

            created: dict[str, tuple[int, float]] = {}
            for index in range(fake.COUNT):
                answer = api.post("/api/v1/vendor-sources", source_body(vendors, index))
                created[answer["id"]] = (index, time.time())
            added_at = time.time()
            flip_id = next(sid for sid, (i, _) in created.items() if i == fake.FLIP)
            print(f"  {fake.COUNT} sources added in {added_at - began:.1f} s from the start")

            with PollLog(api) as polls:
                # (b) flip just after vendor 0 was polled: the longest wait for the change.
                wanted = 2 if deadline - added_at > 120 else 1
                while len(fake_ok(vendors)) < wanted and time.time() < deadline - 45:
                    time.sleep(0.05)
                time.sleep(0.3)
                flipped_at = vendors.flip()
                seen: dict[str, float | None] = {}
                watcher = threading.Thread(
                    target=lambda: seen.update(
                        at=staff.wait_for(FLIP_COMPONENT, "degraded_performance", deadline)
                    ),
                    name="bench-change",
                )
                watcher.start()
                # (c) Alertmanager meanwhile.
                # As long as the run leaves room for: more deliveries, a steadier p99.
                alert_seconds = max(
                    ALERT_SECONDS, min(MAX_ALERT_SECONDS, deadline - time.time() - 20)
                )
                alerts = post_alerts(
                    port, integration["credential"], SERVICES[:5], ALERT_RATE, alert_seconds
                )
                watcher.join(timeout=max(0.0, deadline - time.time()) + 5)
                time.sleep(max(0.0, deadline - time.time()))
                polls.sample()
                end = time.time()
            change = (seen["at"] - flipped_at) if seen.get("at") else None
            figures = polling_figures(polls, created, end)
            flip_polls = sorted(polls.sources[flip_id].polls)
            server = server_exceptions(log_path)
            return report(
                db_kind, figures, change, flipped_at, flip_polls, alerts, polls, server, vendors
            )
        finally:
            procs.stop_all()
            drop()


_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b")


def server_exceptions(log: Path) -> list[str]:
    """The exception each traceback in the server's log ended with."""
    return [line for line in tail(log, 200_000).splitlines() if _EXCEPTION.match(line)]


def fake_ok(vendors: fake.FakeVendors) -> list:
    return [s for s in vendors.answers(fake.FLIP) if s.status in (200, 304)]


def report(db_kind, figures, change, flipped_at, flip_polls, alerts, polls, server, vendors):
    errors = (
        len(alerts.errors)
        + len(figures["failed_polls"])
        + len(figures["misread"])
        + len(polls.failures)
        + len(server)
    )
    answered = Counter(s.status for s in vendors.all_answers())
    print(f"\n[{db_kind}] {polls.samples} samples of the source list")
    print(f"  vendor answers: {dict(sorted(answered.items()))} (slow ones past the timeout unseen)")
    print(f"  source states at the end: {dict(figures['states'])}")
    print(
        f"  (a) {figures['on_time']}/{figures['expected']} sources that answer in time polled "
        f"within {figures['bound']:.0f} s each time; longest gap {figures['worst_gap']:.1f} s; "
        f"first poll at most {figures['first_delay_max']:.1f} s after being added"
    )
    if figures["late"]:
        print(f"      late (vendor, gap s): {figures['late'][:20]}")
    if figures["never"]:
        print(f"      never polled: {figures['never'][:20]}")
    after = [round(p - flipped_at, 1) for p in flip_polls if p >= flipped_at - 1]
    shown = f"{change:.1f} s" if change is not None else "never"
    print(
        f"  (b) vendor 0 degraded at +0 s (just after a poll); its polls after that at "
        f"{after} s; the internal page showed it after {shown} (target ≤ "
        f"{POLL_SECONDS + SLACK:.0f} s)"
    )
    print(
        f"  (c) {alerts.sent} Alertmanager deliveries at {ALERT_RATE}/s: p50 "
        f"{alerts.p(0.50):.1f} ms, p90 {alerts.p(0.90):.1f} ms, p99 {alerts.p(0.99):.1f} ms, "
        f"max {max(alerts.latencies_ms, default=float('nan')):.1f} ms "
        f"({alerts.late_starts} left late; target p99 ≤ {ALERT_P99_TARGET_MS} ms)"
    )
    print(
        f"  (d) {len(alerts.errors)} alert deliveries not 2xx, "
        f"{len(figures['failed_polls'])} failed polls of healthy sources, "
        f"{len(figures['misread'])} failing sources read as ok, "
        f"{len(polls.failures)} failed samples, {len(server)} server log errors"
    )
    for line in (
        alerts.errors[:5] + [f"{i}: {e}" for i, e in figures["failed_polls"][:5]] + server[:10]
    ):
        print(f"      {line}")
    targets_met = (
        figures["on_time"] == figures["expected"]
        and change is not None
        and change <= POLL_SECONDS + SLACK
        and alerts.p(0.99) <= ALERT_P99_TARGET_MS
    )
    line = (
        f"signals: {figures['on_time']} sources every {figures['worst_gap']:.1f} s, "
        f"change seen after {shown.replace(' s', '')} s, alert p99 {alerts.p(0.99):.0f} ms, "
        f"{errors} errors"
    )
    return line, errors == 0 and targets_met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 90 s instead of 4 minutes")
    parser.add_argument(
        "--pg", action="store_true", help="the local PostgreSQL (a schema of its own)"
    )
    parser.add_argument("--seconds", type=float, help="the whole run's length (default 240)")
    args = parser.parse_args()
    total = args.seconds or (90 if args.quick else 240)
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(total) + 30)  # the last resort; the waits stop at the deadline
    try:
        line, ok = bench("postgres" if args.pg else "sqlite", total)
    finally:
        signal.alarm(0)
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
