"""What the run came to, read back from the deliveries once the providers accepted them
all, and the report: a line per channel (its own floor and ratio) and the issue's line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import KEY_ACCOUNTS

TARGETS = {"seconds_110k": 30.0, "ratio": 2.0, "first": 1.0, "peak_mb": 500.0}


@dataclass
class ChannelResult:
    channel: str
    deliveries: int
    first: float
    last: float
    floor: float

    @property
    def ratio(self) -> float:
        return self.last / self.floor if self.floor else float("nan")

    @property
    def per_100k(self) -> float:
        return self.last / self.deliveries * 100_000 if self.deliveries else float("nan")


@dataclass
class RunResult:
    db: str
    worker: str
    total: int
    first: float
    last: float
    key: float
    peak: float
    floor: float
    seed_seconds: float
    states: dict
    channels: list[ChannelResult] = field(default_factory=list)
    errors: str = ""
    # CPU seconds of the worker processes and of their PostgreSQL backends: steadier
    # than wall times on a shared machine.
    cpu: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.last / self.floor if self.floor else float("nan")


def read_timings(app, started: float) -> dict:
    """Seconds from ``started`` (wall time) to the first and last ``sent_at``, overall,
    per channel, and for the key accounts; the deliveries by state."""
    from sqlalchemy import func, select

    from core.db import db
    from subscribers.models import Delivery, Subscriber

    def seconds(moment: datetime | None) -> float:
        if moment is None:
            return float("nan")
        return moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() - started

    with app.app_context():
        per_channel = {
            channel: (count, seconds(first), seconds(last))
            for channel, count, first, last in db.session.execute(
                select(
                    Delivery.channel,
                    func.count(),
                    func.min(Delivery.sent_at),
                    func.max(Delivery.sent_at),
                ).group_by(Delivery.channel)
            )
        }
        key_done = db.session.scalar(
            select(func.max(Delivery.sent_at))
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Subscriber.key_account.is_(True))
        )
        states = dict(
            db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
        )
        db.session.remove()
    return {"channels": per_channel, "key": seconds(key_done), "states": states}


def build(db_kind, worker, timings, floors, peak, seed_seconds, errors) -> RunResult:
    channels = [
        ChannelResult(channel, count, first, last, floors.get(channel, float("nan")))
        for channel, (count, first, last) in sorted(timings["channels"].items())
    ]
    return RunResult(
        db=db_kind,
        worker=worker,
        total=sum(c.deliveries for c in channels),
        first=min((c.first for c in channels), default=float("nan")),
        last=max((c.last for c in channels), default=float("nan")),
        key=timings["key"],
        peak=peak,
        floor=floors["all"],
        seed_seconds=seed_seconds,
        states=timings["states"],
        channels=channels,
        errors=errors,
    )


def _row(name: str, value: str, target: str = "", ok: bool | None = None) -> str:
    verdict = "" if ok is None else ("ok" if ok else "MISSED")
    return f"  {name:<30}{value:>14}   {target:<10}{verdict}"


def print_details(result: RunResult) -> None:
    print(f"\n{result.db}-{result.worker}: deliveries by state {result.states}")
    rows = [
        _row("seeding the subscribers", f"{result.seed_seconds:.1f} s"),
        _row("publish → all accepted", f"{result.last:.2f} s"),
        _row("deliveries per second", f"{result.total / result.last:,.0f}"),
        _row(
            "first accepted",
            f"{result.first:.3f} s",
            f"≤ {TARGETS['first']:.0f} s",
            result.first <= TARGETS["first"],
        ),
        _row(
            f"{KEY_ACCOUNTS:,} priority recipients",
            f"{result.key:.3f} s",
            f"≤ {TARGETS['first']:.0f} s",
            result.key <= TARGETS["first"],
        ),
        _row(
            "worker peak memory",
            f"{result.peak:.0f} MB",
            f"≤ {TARGETS['peak_mb']:.0f} MB",
            result.peak <= TARGETS["peak_mb"],
        ),
        _row(
            "CPU per delivery: workers",
            f"{result.cpu.get('workers', 0) / result.total * 1e6:.0f} us",
        ),
        _row(
            "CPU per delivery: PostgreSQL",
            f"{result.cpu.get('database', 0) / result.total * 1e6:.0f} us",
        ),
        _row("transport floor", f"{result.floor:.2f} s"),
        _row("ratio to the floor", f"{result.ratio:.2f}"),
    ]
    for c in result.channels:
        rows.append(
            _row(
                f"{c.channel} ratio ({c.deliveries:,})",
                f"{c.ratio:.2f}",
                f"≤ {TARGETS['ratio']:.0f}",
                c.ratio <= TARGETS["ratio"],
            )
        )
        rows.append(_row(f"{c.channel} seconds per 100,000", f"{c.per_100k:.2f} s"))
    print("\n".join(rows))
    if result.errors.strip():
        print("  worker stderr (tail):\n" + result.errors)


def channel_line(result: RunResult, c: ChannelResult) -> str:
    return (
        f"[{result.db}-{result.worker}] {c.channel}: {c.deliveries} deliveries in "
        f"{c.last:.2f} s (floor {c.floor:.2f} s, ratio {c.ratio:.2f}), first after "
        f"{c.first:.2f} s, {c.per_100k:.2f} s per 100,000"
    )


def last_line(result: RunResult) -> str:
    return (
        f"[{result.db}-{result.worker}] fanout: {result.total} deliveries in "
        f"{result.last:.2f} s (floor {result.floor:.2f} s, ratio {result.ratio:.2f}), "
        f"first after {result.first:.2f} s, peak {result.peak:.0f} MB"
    )
