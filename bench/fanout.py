"""Fan-out benchmark: one published update to 100,000 email and 10,000 SMS subscribers.

    .venv/bin/python bench/fanout.py [--email N] [--sms N] [--db sqlite|postgres|both]

For each database it seeds the subscribers, starts the SendGrid and Twilio fakes each in
a process of its own and a real ``herald worker`` process pointed at them (SMS rate
unlimited), declares an incident that notifies everyone, and waits until the providers
have accepted every delivery. Then it makes the same provider calls directly, with no
Herald in between and the same concurrency, for the transport floor.

Prints: time from publish until every delivery was accepted, deliveries per second, time
to the first accepted delivery and to the 1,000 key-account (priority) recipients, the
worker's peak memory, the floor and the ratio, and per database a last line:
``fanout: <N> deliveries in <S> s (floor <F> s, ratio <R>), first after <T> s, peak <M> MB``.

Targets on a 2-core machine: 110,000 in at most 30 s, ratio at most 2, first delivery
within 1 s, peak memory at most 500 MB. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("HERALD_ENV", "development")

from pgschema import fresh_schema  # noqa: E402
from sqlalchemy import create_engine, func, insert, select  # noqa: E402

KEY_ACCOUNTS = 1000
SMS_CONCURRENCY = 8
TIMEOUT = 300
TARGETS = {"seconds": 30.0, "ratio": 2.0, "first": 1.0, "peak_mb": 500.0}
SID, TOKEN, FROM = "AC" + "a1" * 16, "test-auth-token", "+14155550000"  # the fake's account


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

    def stats(self) -> dict:
        """What the fake accepted: recipients, and the wall times of the first and last."""
        with urllib.request.urlopen(f"{self.url}/__stats", timeout=5) as response:
            return json.load(response)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()


def prepare_database(kind: str, workdir: str) -> tuple[str, callable]:
    """A fresh, empty database; returns its URL and a function that removes it."""
    from app.models import Base

    if kind == "sqlite":
        url = f"sqlite:///{workdir}/fanout.db"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        return url, lambda: None
    url, drop = fresh_schema("herald_bench")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url, drop


def seed(app, emails: int, sms: int) -> int:
    """Subscribers in bulk (they are the fixture, not what is measured); returns the id of
    the component the update is about."""
    from app.models import utcnow
    from app.status.components import create_component
    from core.db import db
    from subscribers.audiences import get_audience
    from subscribers.models import Subscriber

    with app.app_context():
        customers = get_audience("customers")
        component = create_component(None, "Checkout API")
        db.session.commit()
        now = utcnow()
        rows = []
        for i in range(emails + sms):
            is_email = i < emails
            rows.append(
                {
                    "channel": "email" if is_email else "sms",
                    "address": f"user{i:06d}@example.com"
                    if is_email
                    else f"+1415{2000000 + i:07d}",
                    "audience_id": customers.id,
                    "all_components": True,
                    "state": "active",
                    "state_reason": "",
                    "key_account": i < KEY_ACCOUNTS,
                    "name": "",
                    "link_id": secrets.token_urlsafe(16),
                    "secret": "",
                    "confirm_code_hash": "",
                    "source": "staff",
                    "failure_count": 0,
                    "confirmed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(rows) == 10_000:
                db.session.execute(insert(Subscriber), rows)
                rows = []
        if rows:
            db.session.execute(insert(Subscriber), rows)
        db.session.commit()
        return component.id


def worker_env(url: str, sendgrid: Fake, twilio: Fake, workdir: str) -> dict:
    env = dict(os.environ)
    env.pop("HERALD_CELERY_BROKER_URL", None)
    env.update(
        HERALD_ENV="production",
        HERALD_SECRET_KEY="bench",
        HERALD_DATABASE_URL=url,
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


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wait_for_worker(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    if "worker running" not in line:
        raise RuntimeError(f"herald worker did not start: {line!r}")


def publish(app, component_id: int) -> float:
    """Declare an incident notifying the component's subscribers; returns the wall time
    just before the publishing transaction began."""
    from app.incidents.services import declare_incident
    from app.models import Component
    from core.db import db

    with app.app_context():
        component = db.session.get(Component, component_id)
        started = time.time()
        declare_incident(
            None,
            "Checkout errors",
            "major",
            {component: "major_outage"},
            body="Some payments are failing. We are investigating and will "
            "update within 30 minutes.",
            reviewed=True,  # stands for an approved customers text
        )
        db.session.commit()
    return started


def timings(app, started: float, fakes: list[Fake]) -> dict:
    from core.db import db
    from subscribers.models import Delivery, Subscriber

    def seconds(moment: datetime | None) -> float:
        return (
            moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() - started
            if moment
            else float("nan")
        )

    with app.app_context():
        first, last = db.session.execute(
            select(func.min(Delivery.sent_at), func.max(Delivery.sent_at))
        ).one()
        key_done = db.session.scalar(
            select(func.max(Delivery.sent_at))
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Subscriber.key_account.is_(True))
        )
        by_state = dict(
            db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
        )
        db.session.remove()
    return {
        "first": seconds(first),
        "last": seconds(last),
        "key": seconds(key_done),
        "states": by_state,
    }


def run_herald(kind: str, emails: int, sms: int) -> dict:
    from app import create_app

    sendgrid, twilio = Fake("sendgrid"), Fake("twilio")
    with tempfile.TemporaryDirectory(prefix="herald-fanout-") as workdir:
        url, drop = prepare_database(kind, workdir)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "PUBLIC_URL": "https://status.example.com",
            }
        )
        try:
            began = time.perf_counter()
            component_id = seed(app, emails, sms)
            print(
                f"  seeded {emails:,} email and {sms:,} SMS subscribers in "
                f"{time.perf_counter() - began:.1f} s",
                flush=True,
            )
            worker = subprocess.Popen(
                [bin_path("herald"), "worker"],
                cwd=workdir,
                env=worker_env(url, sendgrid, twilio, workdir),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                wait_for_worker(worker)
                started = publish(app, component_id)
                expected = emails + sms
                deadline = time.monotonic() + TIMEOUT
                # Watch the providers, not the database: polling a busy table would
                # slow down what is measured.
                while (
                    accepted := sum(f.stats()["accepted"] for f in (sendgrid, twilio))
                ) < expected:
                    if time.monotonic() > deadline or worker.poll() is not None:
                        raise RuntimeError(f"stopped at {accepted}/{expected} accepted")
                    time.sleep(0.1)
                peak = peak_rss_mb(worker.pid)
                time.sleep(1.0)  # let the worker record the last batch
            finally:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                try:
                    _, errors = worker.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    _, errors = worker.communicate()
            result = timings(app, started, [sendgrid, twilio])
            result.update(peak=peak, total=expected, errors=errors[-2000:] if errors else "")
            with app.app_context():
                from core.db import db

                db.engine.dispose()
            return result
        finally:
            drop()
            sendgrid.stop()
            twilio.stop()


def transport_floor(emails: int, sms: int) -> float:
    """The same provider calls made directly: SendGrid requests of 1,000 recipients with
    the same per-recipient data, and one Twilio request per SMS with the same concurrency,
    email and SMS side by side as Herald sends them."""
    from sendgrid import SendGridAPIClient
    from twilio.rest import Client

    from subscribers.channels.sms import RedirectingHttpClient

    def send_email() -> None:
        client = SendGridAPIClient(api_key="SG.bench", host=sendgrid.url)
        client.client.timeout = 10
        for start in range(0, emails, 1000):
            personalizations = []
            for i in range(start, min(start + 1000, emails)):
                token = secrets.token_urlsafe(32)
                unsubscribe = f"https://status.example.com/unsubscribe/{token}"
                personalizations.append(
                    {
                        "to": [{"email": f"user{i:06d}@example.com"}],
                        "substitutions": {
                            "[%unsubscribe_url%]": unsubscribe,
                            "[%manage_url%]": f"https://status.example.com/subscriptions/{token}",
                        },
                        "headers": {
                            "List-Unsubscribe": f"<{unsubscribe}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        },
                        "custom_args": {"herald_delivery": str(i)},
                    }
                )
            client.send(
                {
                    "from": {"email": "status@example.com", "name": "Herald Status"},
                    "subject": "[Investigating] Checkout errors",
                    "personalizations": personalizations,
                    "content": [
                        {"type": "text/plain", "value": "Body " * 60},
                        {"type": "text/html", "value": "<p>Body</p>" * 60},
                    ],
                    "custom_args": {"herald_broadcast": "1"},
                }
            )

    local = threading.local()

    def send_sms(i: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(
                SID, TOKEN, http_client=RedirectingHttpClient(twilio.url, 10)
            )
        client.messages.create(
            to=f"+1415{2000000 + emails + i:07d}",
            from_=FROM,
            body="Herald Status: Checkout errors (Investigating): Some "
            "payments are failing. https://status.example.com/x",
            status_callback="https://status.example.com/webhooks/twilio/status",
        )

    sendgrid, twilio = Fake("sendgrid"), Fake("twilio")
    try:
        began = time.perf_counter()
        email_thread = threading.Thread(target=send_email)
        email_thread.start()
        with ThreadPoolExecutor(SMS_CONCURRENCY) as pool:
            list(pool.map(send_sms, range(sms)))
        email_thread.join()
        return time.perf_counter() - began
    finally:
        sendgrid.stop()
        twilio.stop()


def report(kind: str, result: dict, floor: float) -> str:
    seconds = result["last"]
    ratio = seconds / floor if floor else float("nan")
    rate = result["total"] / seconds if seconds else float("nan")
    rows = [
        (
            "publish → all accepted",
            f"{seconds:.2f} s",
            f"≤ {TARGETS['seconds']:.0f} s",
            seconds <= TARGETS["seconds"],
        ),
        ("deliveries per second", f"{rate:,.0f}", "", None),
        (
            "first accepted",
            f"{result['first']:.3f} s",
            f"≤ {TARGETS['first']:.0f} s",
            result["first"] <= TARGETS["first"],
        ),
        (f"{KEY_ACCOUNTS:,} priority recipients", f"{result['key']:.3f} s", "", None),
        (
            "worker peak memory",
            f"{result['peak']:.0f} MB",
            f"≤ {TARGETS['peak_mb']:.0f} MB",
            result["peak"] <= TARGETS["peak_mb"],
        ),
        ("transport floor", f"{floor:.2f} s", "", None),
        (
            "ratio to the floor",
            f"{ratio:.2f}",
            f"≤ {TARGETS['ratio']:.0f}",
            ratio <= TARGETS["ratio"],
        ),
    ]
    print(f"\n{kind}: deliveries by state {result['states']}")
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {name:<28}{value:>14}   {target:<10}{verdict}")
    if result["errors"].strip():
        print("  worker stderr (tail):\n" + result["errors"])
    return (
        f"fanout: {result['total']} deliveries in {seconds:.2f} s (floor {floor:.2f} s, "
        f"ratio {ratio:.2f}), first after {result['first']:.2f} s, "
        f"peak {result['peak']:.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--email", type=int, default=100_000)
    parser.add_argument("--sms", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    floor = transport_floor(args.email, args.sms)
    print(f"transport floor: {floor:.2f} s for {args.email + args.sms:,} deliveries")
    lines = []
    for kind in kinds:
        print(f"\n== {kind}", flush=True)
        result = run_herald(kind, args.email, args.sms)
        lines.append(report(kind, result, floor))
    print()
    for kind, line in zip(kinds, lines, strict=False):
        print(f"[{kind}] {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
