"""An alert's claim on its component: taking, keeping and withdrawing it, and the
periodic look that puts right the claims that settling has not made yet.

Settling (app.signals.alerts.settle) runs one at a time (``one_settler_at_a_time``), on
the thread that follows each delivery (app/signals/alert_applier.py) and in the periodic
job "alerts"; a delivery itself locks and changes no component. Where several
components are locked at once (``reconcile``, and ``retarget`` after a rule changed),
they are locked in id order, so that two transactions never take them in crossed
orders. The lock is ``FOR NO KEY UPDATE``, the one a status change takes anyway: it
leaves alone the key-share lock that writing an alert row (which refers to its
component) takes, so a delivery never waits for a status change. ``retarget`` runs in a
staff request and does not wait either (``SKIP LOCKED``): it leaves its claims to
``reconcile``, which the periodic job runs on every tick.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from app.models import Alert, Component, ComponentSignal, Integration
from app.signals.claims import claim, withdraw_source
from core.db import db

RECONCILE_BATCH = 500
# pg_advisory_xact_lock's key for settling alerts: any fixed number of Herald's own.
SETTLE_LOCK_KEY = 0x48_45_52_41  # "HERA"


def one_settler_at_a_time() -> None:
    """Hold, until this transaction ends, the right to settle alerts: the periodic job
    and the thread that settles after each delivery (app/signals/alert_applier.py) run
    in every process, and two that read the same alert at once would both start it
    counting. PostgreSQL: an advisory lock. SQLite: a write taken first (it writes one
    transaction at a time, and this one now goes first)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETTLE_LOCK_KEY})
    else:
        db.session.execute(text("UPDATE integrations SET id = id WHERE id IS NULL"))


def source_of(alert: Alert) -> str:
    return f"alert:{alert.id}"


def reason_of(alert: Alert) -> str:
    return f"Alert: {alert.name}"


def claims_of(alerts: list[Alert]) -> dict[str, list[ComponentSignal]]:
    """The present claims of these alerts, by source, in one read."""
    if not alerts:
        return {}
    held: dict[str, list[ComponentSignal]] = {}
    for row in db.session.scalars(
        select(ComponentSignal).where(ComponentSignal.source.in_([source_of(a) for a in alerts]))
    ):
        held.setdefault(row.source, []).append(row)
    return held


def in_place(alert: Alert, rows: list[ComponentSignal]) -> bool:
    """Whether ``rows`` (the alert's present claims) are what the alert says."""
    if not alert.counts or alert.component_id is None or alert.status == "operational":
        return not rows
    return len(rows) == 1 and (
        rows[0].component_id,
        rows[0].status,
        rows[0].reason,
        rows[0].link,
        rows[0].public,
    ) == (alert.component_id, alert.status, reason_of(alert), alert.generator_url, False)


def lock_components(ids: set[int | None], *, wait: bool) -> bool:
    """Lock these components in id order; returns whether every one was had. Without
    ``wait``, a component another transaction holds is skipped (and False returned)."""
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return True
    got = db.session.scalars(
        select(Component.id)
        .where(Component.id.in_(wanted))
        .order_by(Component.id)
        .with_for_update(key_share=True, skip_locked=not wait)
    ).all()
    return len(got) == len(wanted)


def settle_claim(alert: Alert, step: str | None, now: datetime) -> None:
    """Make the claim a step asks for: "stop" withdraws it; "start" and "keep" take it,
    or bring it up to date."""
    if step == "stop":
        withdraw_source(source_of(alert), now)
    elif step in ("start", "keep"):
        _claim(alert, now)


def _claim(alert: Alert, now: datetime) -> None:
    """Claim the alert's component, then withdraw what it claimed elsewhere (a rule or
    its label moved it). In that order: withdrawing closes the suggestions and marks
    cleared the incident signals that no claim backs any more, and those that follow
    the alert to its new component are backed by the new claim."""
    source = source_of(alert)
    elsewhere = db.session.scalars(
        select(ComponentSignal.component_id).where(
            ComponentSignal.source == source, ComponentSignal.component_id != alert.component_id
        )
    ).all()
    if alert.component_id is not None:
        claim(
            db.session.get(Component, alert.component_id),
            source,
            alert.status,
            reason=reason_of(alert),
            link=alert.generator_url,
            public=False,
            at=now,
        )
    for component in db.session.scalars(
        select(Component).where(Component.id.in_(elsewhere)).order_by(Component.id)
    ):
        claim(component, source, "operational", reason=reason_of(alert), at=now)


def reconcile(now: datetime) -> int:
    """Put right every alert whose claim is not what it says (a delivery that found its
    components held left it): counting alerts without their claim, and claims of alerts
    that no longer count. Returns how many were put right."""
    counting = list(
        db.session.scalars(
            select(Alert)
            .join(Integration, Integration.id == Alert.integration_id)
            .where(Alert.counts.is_(True), Integration.revoked_at.is_(None))
            .order_by(Alert.id)
            .limit(RECONCILE_BATCH)
        )
    )
    held = claims_of(counting)
    wrong = [alert for alert in counting if not in_place(alert, held.get(source_of(alert), []))]
    counting_sources = {source_of(alert) for alert in counting}
    stale_ids = {
        int(source.partition(":")[2])
        for source in db.session.scalars(
            select(ComponentSignal.source).where(ComponentSignal.source.like("alert:%"))
        )
        if source not in counting_sources
    }
    stale = [
        alert
        for alert in db.session.scalars(select(Alert).where(Alert.id.in_(stale_ids)))
        if not alert.counts
    ]
    if not wrong and not stale:
        return 0
    touched = {alert.component_id for alert in wrong} | {
        row.component_id
        for row in db.session.scalars(
            select(ComponentSignal).where(
                ComponentSignal.source.in_([source_of(a) for a in wrong + stale])
            )
        )
    }
    lock_components(touched, wait=True)
    for alert in wrong:
        settle_claim(alert, "keep", now)
    for alert in stale:
        settle_claim(alert, "stop", now)
    return len(wrong) + len(stale)
