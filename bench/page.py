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

The parts live in the package bench/pagebench/ (seed, servers, load, render, changes);
this script parses the arguments, runs the steps in order and prints the report.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pagebench import BENCH, ROOT
from pagebench.changes import UnderChanges, change_loop, measure_under_changes
from pagebench.load import WrkResult, run_wrk
from pagebench.render import measure_render
from pagebench.seed import TOGGLED_COMPONENT, seed
from pagebench.servers import HOST, Processes, get, start_gunicorn, wait_until_up

PATHS = ("/", "/api/v2/summary.json")
WALL_CLOCK_LIMIT = 300  # seconds: a hard stop for the whole run, whatever hangs

TARGET_RATIO = 0.9
TARGET_RENDER_MS = 15.0
TARGET_P99_MS = 30.0
TARGET_P99_CHANGES_MS = 100.0
TARGET_DELAY_S = 1.0


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
    prepare_database(env)

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
    manifest = capture_responses(procs, herald_port, bare_dir, conns, wrk_threads)

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

    servers = (("herald", herald_port, herald_proc.pid), ("bare", bare_port, bare_proc.pid))
    results = measure_throughput(procs, manifest, servers, seconds, conns, wrk_threads)
    procs.stop(bare_proc)

    # 5. changes once a second under load
    under = measure_under_changes(
        procs,
        Path(__file__).resolve(),
        env,
        herald_port,
        herald_proc.pid,
        args.change_seconds,
        conns,
        wrk_threads,
    )
    report_changes(under, args.change_seconds, conns)

    # 6. summary
    report_summary(results, render, under, conns)
    return 0


def prepare_database(env: dict) -> None:
    """Create the schema with ``herald db upgrade``, then seed the page."""
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


def capture_responses(
    procs: Processes, port: int, bare_dir: Path, conns: int, wrk_threads: int
) -> list[dict]:
    """Warm Herald on each path, then save its gzipped response for the bare app."""
    bare_dir.mkdir()
    manifest = []
    for i, path in enumerate(PATHS):
        url = f"http://{HOST}:{port}{path}"
        run_wrk(procs, url, 2, conns, wrk_threads)  # warm every process and thread
        status, headers, body = get(port, path, {"Accept-Encoding": "gzip"})
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
    return manifest


def measure_throughput(
    procs: Processes,
    manifest: list[dict],
    servers: tuple[tuple[str, int, int], ...],
    seconds: int,
    conns: int,
    wrk_threads: int,
) -> dict[str, dict[str, WrkResult]]:
    """Load each path on each server with wrk, printing a line per run and a ratio."""
    results: dict[str, dict[str, WrkResult]] = {}
    print(f"\nThroughput at {conns} connections ({seconds} s per run, gzip):")
    print(
        f"  {'path':<22} {'server':<7} {'req/s':>9} {'p50':>9} {'p99':>9} "
        f"{'server CPU/req':>15} {'busiest worker':>15}  errors"
    )
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
    return results


def report_changes(under: UnderChanges, change_seconds: int, conns: int) -> None:
    load = under.load
    print(
        f"\nUnder changes ({len(under.changes)} status changes, one a second, from another "
        f"process; wrk on / for {change_seconds} s):"
    )
    print(
        f"  / at {conns} connections: {load.rps:.0f} req/s, p50 "
        f"{fmt_ms(load.p50_ms)}, p99 {fmt_ms(load.p99_ms)}, "
        f"server CPU {load.cpu_us:.0f} us/request, busiest worker "
        f"{load.busiest:.0%}, errors: {load.errors or 'none'}"
    )
    for poller in under.pollers:
        values = under.delays[poller.path]
        print(
            f"  new content served by every process on {poller.path}: max "
            f"{max(values):.2f} s, median {statistics.median(values):.2f} s "
            f"({len(poller.seen)} polls, {poller.errors} poll errors)"
        )
    print(f"  (median time to write and commit one change: {fmt_ms(under.write_ms)})")


def report_summary(
    results: dict[str, dict[str, WrkResult]],
    render: dict[str, float],
    under: UnderChanges,
    conns: int,
) -> None:
    under_changes, delays = under.load, under.delays
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


if __name__ == "__main__":
    sys.exit(main())
