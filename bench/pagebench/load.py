"""wrk runs and the parsing of their output, and the CPU the server used meanwhile."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from .servers import Processes


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
