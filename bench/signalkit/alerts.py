"""Alertmanager's deliveries (webhook payload version 4) posted at a fixed rate, each
one timed from its first byte sent to the last byte of the answer.

The schedule is open: delivery *k* leaves at ``start + k / rate`` whatever the earlier
ones are doing (a few sending threads, each with its own keep-alive connection, as
Alertmanager's HTTP client keeps one), so a slow answer shows as its own latency and
does not hold back the next delivery.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# (alertname, severity): a few alerts, each firing and resolving in turn.
ALERTS = (
    ("HighErrorRate", "critical"),
    ("HighLatency", "warning"),
    ("QueueBacklog", "warning"),
    ("DiskFilling", "warning"),
    ("CertificateExpiring", "warning"),
)


def payload(number: int, components: list[str], now: datetime) -> dict:
    """Delivery ``number``: one alert group of two alerts, firing for ten deliveries of
    its group, then resolved for ten (a repeat of the same state changes nothing)."""
    group = number % len(ALERTS)
    name, severity = ALERTS[group]
    firing = (number // (len(ALERTS) * 10)) % 2 == 0
    started = now - timedelta(minutes=5)
    alerts = []
    for instance in range(2):
        component = components[(group + instance) % len(components)]
        alerts.append(
            {
                "status": "firing" if firing else "resolved",
                "labels": {
                    "alertname": name,
                    "severity": severity,
                    "instance": f"node-{instance}:9100",
                    "job": "bench",
                    "herald_component": component,
                },
                "annotations": {
                    "summary": f"{name} on node-{instance}",
                    "description": f"{name} has been {'firing' if firing else 'resolved'}.",
                },
                "startsAt": started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "endsAt": "0001-01-01T00:00:00Z"
                if firing
                else now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "generatorURL": f"http://prometheus.bench.example/graph?g0.expr={name}",
                "fingerprint": f"bench{group:02d}{instance:02d}",
            }
        )
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "herald",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name, "severity": severity, "job": "bench"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.bench.example",
        "alerts": alerts,
    }


@dataclass
class AlertRun:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    late_starts: int = 0  # deliveries that left over 50 ms after their slot

    def p(self, quantile: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


def post_alerts(
    port: int, token: str, components: list[str], rate: float, seconds: float
) -> AlertRun:
    """Post ``rate`` deliveries a second for ``seconds`` to /webhooks/alertmanager."""
    run = AlertRun()
    lock = threading.Lock()
    local = threading.local()

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "connection", None) is None:
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        return local.connection

    def send(number: int, slot: float) -> None:
        body = json.dumps(payload(number, components, datetime.now(UTC))).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "User-Agent": "Alertmanager/0.27.0",
        }
        began = time.perf_counter()
        late = time.monotonic() - slot > 0.05
        try:
            reused = getattr(local, "connection", None) is not None
            conn = connection()
            try:
                conn.request("POST", "/webhooks/alertmanager", body=body, headers=headers)
                response = conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                if not reused:
                    raise
                # The server closed an idle keep-alive connection (gunicorn after 5 s):
                # send again on a new one, as Alertmanager's HTTP client does.
                conn.close()
                local.connection = None
                began = time.perf_counter()
                conn = connection()
                conn.request("POST", "/webhooks/alertmanager", body=body, headers=headers)
                response = conn.getresponse()
            answer = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                local.connection = None
        except (OSError, http.client.HTTPException) as error:
            local.connection = None
            with lock:
                run.sent += 1
                run.errors.append(f"delivery {number}: {type(error).__name__}: {error}")
            return
        elapsed = (time.perf_counter() - began) * 1000
        with lock:
            run.sent += 1
            run.late_starts += late
            run.latencies_ms.append(elapsed)
            if not 200 <= status < 300:
                run.errors.append(f"delivery {number}: HTTP {status}: {answer[:200]!r}")

    total = int(rate * seconds)
    start = time.monotonic() + 0.1
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="alertmanager") as pool:
        for number in range(total):
            slot = start + number / rate
            delay = slot - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, number, slot)
    return run
