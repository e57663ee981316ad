"""Alertmanager (version "4") and Grafana (version "1") webhook bodies in the shapes
their senders post, and a signer for the monitor webhook, for the alert tests."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from app.models import utcnow
from subscribers.channels.webhook import sign

ZERO = "0001-01-01T00:00:00Z"


def rfc3339(moment: datetime) -> str:
    """Alertmanager's spelling: nanoseconds and Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "789Z"


def am_alert(
    alertname: str = "HighErrorRate",
    status: str = "firing",
    severity: str = "warning",
    fingerprint: str = "fac0861a85de433a",
    starts: datetime | None = None,
    ends: datetime | None = None,
    **labels: str,
) -> dict:
    starts = starts or utcnow() - timedelta(minutes=10)
    return {
        "status": status,
        "labels": {"alertname": alertname, "severity": severity, "job": "api", **labels},
        "annotations": {
            "summary": f"{alertname} on the payments API",
            "description": "5xx ratio above 5% for 5 minutes.",
        },
        "startsAt": rfc3339(starts),
        "endsAt": ZERO if status == "firing" else rfc3339(ends or utcnow()),
        "generatorURL": "http://prometheus.internal:9090/graph?g0.expr=rate%28x%29",
        "fingerprint": fingerprint,
    }


def alertmanager(*alerts: dict) -> dict:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": '{}/{severity="page"}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "herald",
        "notification_reason": "first notification",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "routeLabels": {},
        "externalURL": "http://alertmanager.internal:9093",
        "alerts": list(alerts),
    }


def grafana(*alerts: dict) -> dict:
    """Grafana's webhook contact point: the same alerts[], version "1" and extras."""
    extended = [
        {
            **a,
            "silenceURL": "http://grafana.internal/alerting/silence/new",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"A": 0.07},
            "valueString": "[ var='A' labels={} value=0.07 ]",
        }
        for a in alerts
    ]
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "receiver": "herald",
        "status": "firing" if firing else "resolved",
        "orgId": 1,
        "alerts": extended,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://grafana.internal/",
        "version": "1",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "title": "[FIRING:1] HighErrorRate",
        "state": "alerting" if firing else "ok",
        "message": "**Firing**",
    }


def signed(secret: str, body: dict | bytes, at: int | None = None) -> tuple[bytes, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = int(time.time()) if at is None else at
    return raw, {"X-Herald-Signature": sign(secret, stamp, raw), "Content-Type": "application/json"}
