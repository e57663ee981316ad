"""Benchmark of the public page and the public JSON (DESIGN.md, "Performance stance").

Run with ``make bench-page`` or ``.venv/bin/python bench/page.py``. It:

1. seeds a fresh SQLite database in a temporary directory through Herald's own services:
   20 components in 4 groups with 90 days of history, past resolved incidents spread over
   those days, and 3 active incidents of 5 updates each;
2. measures the uncached render of ``/`` in-process (a test-client GET with the page
   cache cleared before each, so it includes the summary build, the template, gzip and
   the ETag);
3. serves Herald with the production gunicorn settings (gunicorn.conf.py) and loads
   ``/`` and ``/api/v2/summary.json`` with wrk (64 connections, ``Accept-Encoding: gzip``);
4. serves the very same gzipped bytes from a bare Flask app (bench/bare_app.py) under the
   same gunicorn settings and loads it the same way, for the Herald/bare ratio;
5. loads ``/`` again while a separate process changes a component status once a second
   through the services, and polls ``/`` and ``/api/v2/status.json`` from another client
   (a new connection per poll, so every web process is seen) to time how long each change
   takes to be served everywhere.

Every process it starts is stopped by PID on the way out, even on error or Ctrl-C.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
PATHS = ("/", "/api/v2/summary.json")
TOGGLED_COMPONENT = "Developer docs"  # nothing depends on it and no incident holds it
WALL_CLOCK_LIMIT = 300  # seconds: a hard stop for the whole run, whatever hangs

TARGET_RATIO = 0.9
TARGET_RENDER_MS = 15.0
TARGET_P99_MS = 30.0
TARGET_P99_CHANGES_MS = 100.0
TARGET_DELAY_S = 1.0


# --------------------------------------------------------------------------- the data

GROUPS = {
    "Web and apps": ["Website", "Dashboard", "Mobile app", "Checkout pages", "Developer docs"],
    "API and integrations": ["REST API", "GraphQL API", "Webhooks", "Sign-in and SSO", "Reports"],
    "Payments": ["Card payments", "Payouts", "Invoicing", "Fraud screening", "Refunds"],
    "Third-party vendors": [
        "Card processor",
        "Bank transfer partner",
        "Email delivery",
        "SMS delivery",
        "DNS provider",
    ],
}
DEPENDENCIES = [
    ("Dashboard", "REST API", "hard"),
    ("Mobile app", "REST API", "hard"),
    ("Checkout pages", "Card payments", "hard"),
    ("Card payments", "Card processor", "hard"),
    ("Card payments", "Fraud screening", "soft"),
    ("Payouts", "Bank transfer partner", "hard"),
    ("Webhooks", "REST API", "soft"),
    ("Invoicing", "Email delivery", "soft"),
]
# days ago, name, impact, {component: status}
PAST_INCIDENTS = [
    (86, "Elevated card payment declines", "major", {"Card processor": "major_outage"}),
    (77, "Sign-in failures for SSO users", "minor", {"Sign-in and SSO": "partial_outage"}),
    (66, "Delayed webhook deliveries", "minor", {"Webhooks": "degraded_performance"}),
    (54, "API unavailable in the EU region", "critical", {"REST API": "major_outage"}),
    (43, "Invoice emails delayed", "minor", {"Email delivery": "degraded_performance"}),
    (31, "Slow dashboard page loads", "minor", {"Dashboard": "degraded_performance"}),
    (19, "Refunds stuck in pending", "major", {"Refunds": "partial_outage"}),
    (8, "Delayed SEPA payouts", "major", {"Bank transfer partner": "partial_outage"}),
    (3, "DNS resolution errors", "critical", {"DNS provider": "major_outage"}),
]
# hours ago, name, impact, {component: status}
ACTIVE_INCIDENTS = [
    (5.0, "Elevated API error rates", "major", {"REST API": "partial_outage"}),
    (3.0, "Payouts delayed", "minor", {"Payouts": "degraded_performance"}),
    (1.5, "SMS delivery delays in some countries", "minor", {"SMS delivery": "major_outage"}),
]
ACTIVE_TIMELINE = ["investigating", "identified", "identified", "monitoring", "monitoring"]


def _body(name: str, status: str, step: int) -> str:
    return (
        f"**{status.capitalize()}** ({step}): {name}. We are sorry for the disruption and are "
        "working on it with the highest priority.\n\n"
        "- Card payments that were declined can be retried safely.\n"
        "- No data has been lost.\n\n"
        "Next update within 30 minutes, or sooner if anything changes."
    )


def seed() -> dict[str, int]:
    """Fill the (migrated, empty) database through the services and commit."""
    from app import create_app
    from app.extensions import db
    from app.incidents.services import declare_incident, post_incident_update
    from app.models import utcnow
    from app.status.components import add_dependency, create_component, create_group

    app = create_app()
    with app.app_context():
        now = utcnow()
        born = now - timedelta(days=100)
        components = {}
        position = 0
        for group_name, names in GROUPS.items():
            group = create_group(None, group_name)
            for name in names:
                position += 1
                components[name] = create_component(
                    None,
                    name,
                    description=f"{name} for merchants and their customers",
                    group_id=group.id,
                    position=position,
                    visibility="public",
                    at=born,
                    start_date=born.date(),
                )
        for name, depends_on, kind in DEPENDENCIES:
            add_dependency(None, components[name], components[depends_on], kind)

        # History is written oldest first: a backfilled change rewrites what follows it.
        for days, name, impact, affected in PAST_INCIDENTS:
            start = (now - timedelta(days=days)).replace(hour=9, minute=12, second=0)
            incident = declare_incident(
                None,
                name,
                impact,
                {components[c]: s for c, s in affected.items()},
                body=_body(name, "investigating", 1),
                started_at=start,
                deliver_notifications=False,
            )
            for step, (minutes, status) in enumerate(
                [(30, "identified"), (95, "monitoring"), (150, "resolved")], start=2
            ):
                post_incident_update(
                    None,
                    incident,
                    status,
                    _body(name, status, step),
                    at=start + timedelta(minutes=minutes),
                    deliver_notifications=False,
                )

        updates = 0
        for hours, name, impact, affected in ACTIVE_INCIDENTS:
            start = now - timedelta(hours=hours)
            step_time = timedelta(hours=hours) / (len(ACTIVE_TIMELINE) + 1)
            incident = declare_incident(
                None,
                name,
                impact,
                {components[c]: s for c, s in affected.items()},
                body=_body(name, ACTIVE_TIMELINE[0], 1),
                started_at=start,
                deliver_notifications=False,
            )
            updates += 1
            for step, status in enumerate(ACTIVE_TIMELINE[1:], start=2):
                post_incident_update(
                    None,
                    incident,
                    status,
                    _body(name, status, step),
                    at=start + step_time * (step - 1),
                    deliver_notifications=False,
                )
                updates += 1
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {
        "groups": len(GROUPS),
        "components": len(components),
        "past": len(PAST_INCIDENTS),
        "active": len(ACTIVE_INCIDENTS),
        "active_updates": updates,
    }


# --------------------------------------------------------------------------- processes


class Processes:
    """Every child process, so that each can be stopped by its PID."""

    def __init__(self) -> None:
        self._procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(args, start_new_session=True, **kwargs)
        self._procs.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen, sig: int = signal.SIGINT, grace: float = 5.0) -> None:
        """Ask ``proc`` to stop (SIGINT: gunicorn's quick shutdown, which stops its
        workers); if it is still running after ``grace`` seconds, kill its process group
        (it leads one: its PID is the group's id), workers included."""
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def stop_all(self) -> None:
        for _name, proc in reversed(self._procs):
            self.stop(proc)
        self._procs.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None, timeout: float = 5.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def wait_until_up(port: int, path: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log)}")
        try:
            if get(port, path, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not answer in 30 s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_gunicorn(
    procs: Processes, name: str, app_spec: str, env: dict, tmp: Path, extra: list[str]
) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log = tmp / f"{name}.log"
    server_env = dict(env, PORT=str(port))
    server_env.pop("HERALD_BIND", None)
    with open(log, "wb") as out:
        proc = procs.start(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                *extra,
                app_spec,
            ],
            cwd=ROOT,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, port, log


# --------------------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str  # empty when clean
    cpu_us: float = 0.0  # server CPU (all its processes) per request, in microseconds
    busiest: float = 0.0  # the busiest worker's share of the workers' CPU


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS[unit]


def _cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds used so far by ``pid`` and by each of its children (gunicorn: the
    master and its workers), by PID."""
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, ... utime is field 14 and stime 15 of the line.
        if int(entry) == pid or int(fields[1]) == pid:
            ticks[int(entry)] = int(fields[11]) + int(fields[12])
    return {key: value / os.sysconf("SC_CLK_TCK") for key, value in ticks.items()}


def run_wrk(
    procs: Processes,
    url: str,
    seconds: int,
    connections: int,
    threads: int,
    server_pid: int | None = None,
) -> WrkResult:
    args = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-H",
        "Accept-Encoding: gzip",
        url,
    ]
    cpu_before = _cpu_seconds(server_pid) if server_pid else {}
    proc = procs.start("wrk", args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=seconds + 30)
    finally:
        procs.stop(proc)
    cpu_after = _cpu_seconds(server_pid) if server_pid else {}
    used = {key: value - cpu_before.get(key, 0.0) for key, value in cpu_after.items()}
    workers = [value for key, value in used.items() if key != server_pid]
    cpu = sum(used.values())
    # All connections can land on one worker (gthread accepts whatever it can): then one
    # process, one GIL, does the work and the figures drop. Report the busiest's share.
    busiest = max(workers) / sum(workers) if workers and sum(workers) > 0 else 0.0
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err}\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {
        pct: _ms(value, unit)
        for pct, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    }
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = []
    if match := re.search(r"Socket errors: (.*)", out):
        errors.append("socket errors: " + match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors.append(f"{match.group(1)} non-2xx responses")
    cpu_us = cpu / requests * 1e6 if requests else 0.0
    return WrkResult(
        rps, latency["50"], latency["99"], requests, "; ".join(errors), cpu_us, busiest
    )


# --------------------------------------------------------------------------- in-process render


def measure_render(renders: int) -> dict[str, float]:
    """Median of uncached ``/`` renders through the test client, and a breakdown."""
    from app import create_app
    from app.extensions import db
    from app.public.routes import render_index
    from app.status.reads import current_summary

    app = create_app()
    cache = app.extensions["herald_page_cache"]
    client = app.test_client()
    headers = {"Accept-Encoding": "gzip"}

    def timed(fn: Callable[[], object], count: int) -> list[float]:
        result = []
        for _ in range(count):
            start = time.perf_counter()
            fn()
            result.append((time.perf_counter() - start) * 1000)
        return result

    def uncached_get():
        cache.clear()
        response = client.get("/", headers=headers)
        assert response.status_code == 200, response.status_code
        assert response.headers.get("Content-Encoding") == "gzip"

    timed(uncached_get, 5)  # template compile, first queries
    before = cache.renders
    cpu_before = time.process_time()
    get_ms = timed(uncached_get, renders)
    get_cpu_ms = (time.process_time() - cpu_before) * 1000 / renders
    assert cache.renders - before == renders, "the cache did not render every time"

    def fresh(fn: Callable[[], object]) -> Callable[[], None]:
        """``fn`` with a new database session each time, as in a request."""

        def run() -> None:
            try:
                fn()
            finally:
                db.session.remove()

        return run

    with app.test_request_context("/"):
        summary_ms = timed(fresh(lambda: current_summary("public")), renders)
        render_ms = timed(fresh(lambda: render_index("public")), renders)
        page = render_index("public")
        gzip_ms = timed(lambda: gzip.compress(page.body, compresslevel=6, mtime=0), renders)
        db.session.remove()
        db.engine.dispose()
    return {
        "get": statistics.median(get_ms),
        "get_cpu": get_cpu_ms,
        "get_p90": sorted(get_ms)[int(len(get_ms) * 0.9)],
        "summary": statistics.median(summary_ms),
        "render": statistics.median(render_ms),
        "gzip": statistics.median(gzip_ms),
        "bytes": len(page.body),
    }


# --------------------------------------------------------------------------- changes under load


def change_loop(count: int, interval: float, component_name: str) -> None:
    """Child process: change a component's status ``count`` times, once per ``interval``,
    through the services; print one JSON line per committed change."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Component, PageState
    from app.status.components import set_component_status
    from app.status.statuspage import iso
    from app.timeutil import page_zone

    app = create_app()
    with app.app_context():
        component = db.session.scalar(select(Component).where(Component.name == component_name))
        print(json.dumps({"ready": True}), flush=True)
        start = time.monotonic() + interval
        for i in range(count):
            time.sleep(max(0.0, start + i * interval - time.monotonic()))
            status = "degraded_performance" if i % 2 == 0 else "operational"
            began = time.perf_counter()
            set_component_status(None, component, status, note="bench")
            db.session.commit()
            committed = time.time()
            write_ms = (time.perf_counter() - began) * 1000
            state = db.session.get(PageState, 1)
            line = {"t": committed, "updated_at": iso(state.updated_at, page_zone())}
            print(json.dumps(dict(line, write_ms=write_ms)), flush=True)
            db.session.rollback()  # end the read transaction: never hold a snapshot
        db.session.remove()


UPDATED_RE = re.compile(rb'Updated <time datetime="([^"]+)"')


def _updated_at_of_page(body: bytes) -> str:
    return UPDATED_RE.search(gzip.decompress(body)).group(1).decode()


def _updated_at_of_status(body: bytes) -> str:
    return json.loads(gzip.decompress(body))["page"]["updated_at"]


@dataclass
class Poller:
    """Polls one path (a new connection each time) and records what content it saw."""

    port: int
    path: str
    extract: Callable[[bytes], str]
    seen: list[tuple[float, datetime]] = field(default_factory=list)
    errors: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                status, _, body = get(self.port, self.path, {"Accept-Encoding": "gzip"})
                received = time.time()
                if status == 200:
                    self.seen.append((received, datetime.fromisoformat(self.extract(body))))
                else:
                    self.errors += 1
            except (OSError, http.client.HTTPException, ValueError, AttributeError):
                self.errors += 1
            self.stop.wait(0.01)


def propagation_delays(changes: list[dict], seen: list[tuple[float, datetime]]) -> list[float]:
    """Per change: seconds from commit until every later poll showed it (or newer)."""
    delays = []
    for change in changes:
        committed, wanted = change["t"], datetime.fromisoformat(change["updated_at"])
        after = [(t, v) for t, v in seen if t >= committed]
        stale = [t for t, v in after if v < wanted]
        last_stale = max(stale, default=committed)
        fresh = [t for t, v in after if v >= wanted and t >= last_stale]
        delays.append(fresh[0] - committed if fresh else float("inf"))
    return delays


# --------------------------------------------------------------------------- main


def fmt_ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--renders", type=int, default=50, help="uncached renders to time")
    parser.add_argument("--change-seconds", type=int, default=12, help="wrk run with changes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--change-loop", nargs=2, metavar=("COUNT", "INTERVAL"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.change_loop:
        change_loop(int(args.change_loop[0]), float(args.change_loop[1]), TOGGLED_COMPONENT)
        return 0

    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    procs = Processes()

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    def on_alarm(_signum, _frame):
        raise TimeoutError(f"the benchmark ran longer than {WALL_CLOCK_LIMIT} s")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(WALL_CLOCK_LIMIT)

    tmp = Path(tempfile.mkdtemp(prefix="herald-bench-"))
    started = time.monotonic()
    try:
        return run(args, procs, tmp)
    finally:
        signal.alarm(0)
        procs.stop_all()
        if args.keep:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"(whole run: {time.monotonic() - started:.0f} s; every started process stopped)")


def run(args: argparse.Namespace, procs: Processes, tmp: Path) -> int:
    env = dict(os.environ)
    env.update(
        HERALD_ENV="production",
        HERALD_SECRET_KEY=secrets.token_hex(32),
        HERALD_DATABASE_URL=f"sqlite:///{tmp / 'herald.db'}",
        HERALD_EMBEDDED_WORKER="false",
    )
    env.pop("HERALD_ACCESS_LOG", None)
    os.environ.update(env)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    conns, wrk_threads, seconds = args.connections, args.threads, args.seconds
    print("Herald page benchmark")
    load = os.getloadavg()[0]
    busy = " (busy: figures will be noisy)" if load > (os.cpu_count() or 1) / 2 else ""
    print(f"  load average before the run: {load:.1f} on {os.cpu_count()} CPUs{busy}")
    print(
        f"  gunicorn.conf.py: {settings['workers']} workers x {settings['threads']} threads "
        f"({settings['worker_class']}); {os.cpu_count()} CPUs; "
        f"wrk -t{wrk_threads} -c{conns} -d{seconds}s, Accept-Encoding: gzip"
    )

    # 1. schema and data
    herald = Path(sys.executable).parent / "herald"
    began = time.monotonic()
    upgrade = subprocess.run(
        [str(herald), "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if upgrade.returncode != 0:
        raise RuntimeError(f"herald db upgrade failed:\n{upgrade.stderr}")
    counts = seed()
    print(
        f"  seeded in {time.monotonic() - began:.1f} s: {counts['components']} components in "
        f"{counts['groups']} groups, 90 days of history, {counts['past']} past incidents, "
        f"{counts['active']} active incidents ({counts['active_updates']} updates)"
    )

    # 2. uncached render, in-process, before any server runs
    render = measure_render(args.renders)
    print(
        f"\nUncached render of / (in-process test-client GET, page cache cleared each time; "
        f"median of {args.renders}):"
    )
    print(
        f"  {fmt_ms(render['get'])} (p90 {fmt_ms(render['get_p90'])}, mean CPU "
        f"{fmt_ms(render['get_cpu'])}); of which summary build "
        f"{fmt_ms(render['summary'])}, summary+template {fmt_ms(render['render'])}, "
        f"gzip {fmt_ms(render['gzip'])}; page {render['bytes'] / 1024:.0f} KiB"
    )

    # 3. Herald under the production settings
    herald_proc, herald_port, herald_log = start_gunicorn(procs, "herald", "wsgi:app", env, tmp, [])
    wait_until_up(herald_port, "/api/v2/status.json", herald_proc, herald_log)
    bare_dir = tmp / "bare"
    bare_dir.mkdir()
    manifest = []
    for i, path in enumerate(PATHS):
        url = f"http://{HOST}:{herald_port}{path}"
        run_wrk(procs, url, 2, conns, wrk_threads)  # warm every process and thread
        status, headers, body = get(herald_port, path, {"Accept-Encoding": "gzip"})
        if status != 200 or headers.get("Content-Encoding") != "gzip":
            raise RuntimeError(f"{path}: {status} {headers}")
        (bare_dir / f"{i}.gz").write_bytes(body)
        manifest.append(
            {
                "path": path,
                "file": f"{i}.gz",
                "content_type": headers["Content-Type"],
                "content_encoding": headers["Content-Encoding"],
                "gzipped_bytes": len(body),
            }
        )
    (bare_dir / "manifest.json").write_text(json.dumps(manifest))

    # 4. the bare baseline, same gunicorn settings, same bytes
    bare_proc, bare_port, bare_log = start_gunicorn(
        procs,
        "bare",
        "bare_app:app",
        dict(env, BENCH_BARE_DIR=str(bare_dir)),
        tmp,
        ["--pythonpath", str(BENCH)],
    )
    wait_until_up(bare_port, "/", bare_proc, bare_log)
    for item in manifest:
        _, headers, body = get(bare_port, item["path"], {"Accept-Encoding": "gzip"})
        assert body == (bare_dir / item["file"]).read_bytes()
        assert headers["Content-Type"] == item["content_type"]

    results: dict[str, dict[str, WrkResult]] = {}
    print(f"\nThroughput at {conns} connections ({seconds} s per run, gzip):")
    print(
        f"  {'path':<22} {'server':<7} {'req/s':>9} {'p50':>9} {'p99':>9} "
        f"{'server CPU/req':>15} {'busiest worker':>15}  errors"
    )
    servers = (("herald", herald_port, herald_proc.pid), ("bare", bare_port, bare_proc.pid))
    for item in manifest:
        path = item["path"]
        results[path] = {}
        for server, port, pid in servers:
            url = f"http://{HOST}:{port}{path}"
            if server == "bare":
                run_wrk(procs, url, 2, conns, wrk_threads)
            result = run_wrk(procs, url, seconds, conns, wrk_threads, server_pid=pid)
            results[path][server] = result
            print(
                f"  {path:<22} {server:<7} {result.rps:>9.0f} {fmt_ms(result.p50_ms):>9} "
                f"{fmt_ms(result.p99_ms):>9} {result.cpu_us:>12.0f} us "
                f"{result.busiest:>14.0%}  {result.errors or 'none'}"
            )
        herald, bare = results[path]["herald"], results[path]["bare"]
        print(
            f"  {path:<22} Herald/bare req/s = {herald.rps / bare.rps:.2f}; bare/Herald server "
            f"CPU per request = {bare.cpu_us / herald.cpu_us:.2f} "
            f"({item['gzipped_bytes']} gzipped bytes)"
        )
    procs.stop(bare_proc)

    # 5. changes once a second under load
    count = max(1, args.change_seconds - 2)
    changer = procs.start(
        "changer",
        [sys.executable, str(Path(__file__).resolve()), "--change-loop", str(count), "1.0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = changer.stdout.readline()
    if not ready.strip():
        raise RuntimeError(f"the change process did not start:\n{changer.stderr.read()}")
    pollers = [
        Poller(herald_port, "/", _updated_at_of_page),
        Poller(herald_port, "/api/v2/status.json", _updated_at_of_status),
    ]
    threads = [threading.Thread(target=p.run, daemon=True) for p in pollers]
    for thread in threads:
        thread.start()
    under_changes = run_wrk(
        procs,
        f"http://{HOST}:{herald_port}/",
        args.change_seconds,
        conns,
        wrk_threads,
        server_pid=herald_proc.pid,
    )
    out, err = changer.communicate(timeout=30)
    time.sleep(1.5)  # let the last change reach every process
    for poller in pollers:
        poller.stop.set()
    for thread in threads:
        thread.join(timeout=10)
    if changer.returncode != 0:
        raise RuntimeError(f"the change process failed:\n{err}")
    changes = [json.loads(line) for line in out.splitlines() if line.strip()]
    delays = {p.path: propagation_delays(changes, p.seen) for p in pollers}
    write_ms = statistics.median(c["write_ms"] for c in changes)
    print(
        f"\nUnder changes ({len(changes)} status changes, one a second, from another process; "
        f"wrk on / for {args.change_seconds} s):"
    )
    print(
        f"  / at {conns} connections: {under_changes.rps:.0f} req/s, p50 "
        f"{fmt_ms(under_changes.p50_ms)}, p99 {fmt_ms(under_changes.p99_ms)}, "
        f"server CPU {under_changes.cpu_us:.0f} us/request, busiest worker "
        f"{under_changes.busiest:.0%}, errors: {under_changes.errors or 'none'}"
    )
    for poller in pollers:
        values = delays[poller.path]
        print(
            f"  new content served by every process on {poller.path}: max "
            f"{max(values):.2f} s, median {statistics.median(values):.2f} s "
            f"({len(poller.seen)} polls, {poller.errors} poll errors)"
        )
    print(f"  (median time to write and commit one change: {fmt_ms(write_ms)})")

    # 6. summary
    ratio_index = results["/"]["herald"].rps / results["/"]["bare"].rps
    ratio_json = (
        results["/api/v2/summary.json"]["herald"].rps / results["/api/v2/summary.json"]["bare"].rps
    )
    max_delay = max(max(v) for v in delays.values())
    rows = [
        ("Herald/bare req/s, /", f"{ratio_index:.2f}", f">= {TARGET_RATIO}", ratio_index >= 0.9),
        (
            "Herald/bare req/s, summary.json",
            f"{ratio_json:.2f}",
            f">= {TARGET_RATIO}",
            ratio_json >= TARGET_RATIO,
        ),
        (
            "uncached render of /",
            fmt_ms(render["get"]),
            f"<= {TARGET_RENDER_MS:.0f} ms",
            render["get"] <= TARGET_RENDER_MS,
        ),
        (
            f"p99 of / at {conns} connections",
            fmt_ms(results["/"]["herald"].p99_ms),
            f"<= {TARGET_P99_MS:.0f} ms",
            results["/"]["herald"].p99_ms <= TARGET_P99_MS,
        ),
        (
            f"p99 of summary.json at {conns} conns",
            fmt_ms(results["/api/v2/summary.json"]["herald"].p99_ms),
            f"<= {TARGET_P99_MS:.0f} ms",
            results["/api/v2/summary.json"]["herald"].p99_ms <= TARGET_P99_MS,
        ),
        (
            "p99 of / under changes",
            fmt_ms(under_changes.p99_ms),
            f"< {TARGET_P99_CHANGES_MS:.0f} ms",
            under_changes.p99_ms < TARGET_P99_CHANGES_MS,
        ),
        (
            "new content served within",
            f"{max_delay:.2f} s",
            f"<= {TARGET_DELAY_S:.0f} s",
            max_delay <= TARGET_DELAY_S,
        ),
    ]
    print("\n" + "=" * 78)
    print("SUMMARY (Herald page benchmark)")
    print(
        f"  Herald req/s: / {results['/']['herald'].rps:.0f} (bare "
        f"{results['/']['bare'].rps:.0f}); summary.json "
        f"{results['/api/v2/summary.json']['herald'].rps:.0f} "
        f"(bare {results['/api/v2/summary.json']['bare'].rps:.0f})"
    )
    print(
        f"  server CPU per request, Herald/bare: / {results['/']['herald'].cpu_us:.0f}/"
        f"{results['/']['bare'].cpu_us:.0f} us; summary.json "
        f"{results['/api/v2/summary.json']['herald'].cpu_us:.0f}/"
        f"{results['/api/v2/summary.json']['bare'].cpu_us:.0f} us"
    )
    print(f"  {'measure':<38} {'figure':>10}  {'target':<10} result")
    for name, figure, target, ok in rows:
        print(f"  {name:<38} {figure:>10}  {target:<10} {verdict(ok)}")
    missed = [name for name, _, _, ok in rows if not ok]
    print(f"  {'all targets met' if not missed else f'{len(missed)} target(s) missed'}")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("=" * 78)
    return 0


if __name__ == "__main__":
    sys.exit(main())
