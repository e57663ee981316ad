"""Changes under load: the change loop (run as a child process of bench/page.py) and the
pollers that time how long each change takes to be served by every web process."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import ROOT
from .load import WrkResult, run_wrk
from .servers import HOST, Processes, get


def change_loop(count: int, interval: float, component_name: str) -> None:
    """Child process: change a component's status ``count`` times, once per ``interval``,
    through the services; print one JSON line per committed change."""
    from sqlalchemy import select

    from app import create_app
    from app.models import Component, PageState
    from app.status.components import set_component_status
    from app.status.statuspage import iso
    from app.timeutil import page_zone
    from core.db import db

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


@dataclass
class UnderChanges:
    """What the run under changes measured."""

    load: WrkResult  # wrk on / while the changes were made
    changes: list[dict]  # one per committed change, as printed by the change loop
    pollers: list[Poller]
    delays: dict[str, list[float]]  # per polled path, per change
    write_ms: float  # median time to write and commit one change


def measure_under_changes(
    procs: Processes,
    script: Path,
    env: dict,
    port: int,
    server_pid: int,
    seconds: int,
    connections: int,
    threads: int,
) -> UnderChanges:
    """Load ``/`` with wrk for ``seconds`` while ``script --change-loop`` changes a
    component's status once a second, and poll ``/`` and ``/api/v2/status.json`` meanwhile."""
    count = max(1, seconds - 2)
    changer = procs.start(
        "changer",
        [sys.executable, str(script), "--change-loop", str(count), "1.0"],
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
        Poller(port, "/", _updated_at_of_page),
        Poller(port, "/api/v2/status.json", _updated_at_of_status),
    ]
    poller_threads = [threading.Thread(target=p.run, daemon=True) for p in pollers]
    for thread in poller_threads:
        thread.start()
    under_changes = run_wrk(
        procs,
        f"http://{HOST}:{port}/",
        seconds,
        connections,
        threads,
        server_pid=server_pid,
    )
    out, err = changer.communicate(timeout=30)
    time.sleep(1.5)  # let the last change reach every process
    for poller in pollers:
        poller.stop.set()
    for thread in poller_threads:
        thread.join(timeout=10)
    if changer.returncode != 0:
        raise RuntimeError(f"the change process failed:\n{err}")
    changes = [json.loads(line) for line in out.splitlines() if line.strip()]
    delays = {p.path: propagation_delays(changes, p.seen) for p in pollers}
    write_ms = statistics.median(c["write_ms"] for c in changes)
    return UnderChanges(under_changes, changes, pollers, delays, write_ms)
