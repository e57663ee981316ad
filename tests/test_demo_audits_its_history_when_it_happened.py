"""The demo's audit log tells its history as it happened: each seeded action is stamped
with its time in that history (the incident's declaration, each update, the private
page's making), not with the moment the demo was seeded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.demo import seed_demo
from app.models import Incident, Maintenance, utcnow
from app.pages.services import page_by_slug
from core import audit
from core.audit import AuditEvent
from core.db import db


def _events(action: str, target) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == action,
            AuditEvent.target_type == type(target).__name__.lower(),
            AuditEvent.target_id == target.id,
        )
        .order_by(AuditEvent.id)
    ).all()


def _incident(name: str) -> Incident:
    return db.session.scalar(select(Incident).where(Incident.name == name))


def test_a_past_incident_is_audited_when_it_was_declared_and_updated(app):
    seed_demo()
    sepa = _incident("Delayed SEPA payouts")
    [declared] = _events("incident.declare", sepa)
    assert declared.at == sepa.started_at
    assert sepa.started_at < utcnow() - timedelta(days=1)
    updates = _events("incident.update", sepa)
    later = sorted(u.created_at for u in sepa.updates)[1:]  # the first came with the declaration
    assert [e.at for e in updates] == later
    assert updates[-1].at == sepa.resolved_at
    # The component changes it made are stamped with it.
    statuses = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "component.status",
            AuditEvent.summary.contains("(incident: Delayed SEPA payouts)"),
        )
    ).all()
    assert statuses and {e.at for e in statuses} <= {declared.at, *later}


def test_the_private_page_is_audited_when_it_was_made(app):
    seed_demo()
    page = page_by_slug("acme")
    [created] = _events("page.create", page)
    assert created.at == page.created_at
    assert created.at < utcnow() - timedelta(days=90)


def test_the_postmortem_and_the_past_maintenance_are_audited_at_their_times(app):
    seed_demo()
    eu = _incident("API unavailable in the EU region")
    [postmortem] = _events("incident.postmortem", eu)
    assert postmortem.at == eu.postmortem_published_at > eu.resolved_at
    window = db.session.scalar(
        select(Maintenance).where(Maintenance.name == "Primary database minor version upgrade")
    )
    [scheduled] = _events("maintenance.schedule", window)
    assert scheduled.at == window.created_at < window.scheduled_for
    steps = _events("maintenance.update", window)
    assert [(e.changes["status"][1], e.at) for e in steps] == [
        ("in_progress", window.scheduled_for),
        ("completed", window.scheduled_until),
    ]


def test_nothing_from_the_past_is_stamped_at_the_seeding(app):
    before = utcnow()
    seed_demo()
    past = [i for i in db.session.scalars(select(Incident)) if i.resolved_at is not None]
    assert len(past) >= 9
    stamped_now = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.at >= before,
            AuditEvent.target_type == "incident",
            AuditEvent.target_id.in_([i.id for i in past]),
        )
    ).all()
    assert stamped_now == []
    # The company was there before its history: its people and components too.
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.at).limit(1)).one()
    assert first.at < min(i.started_at for i in past)


def test_an_event_is_stamped_now_unless_history_is_being_replayed(app):
    then = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    before = utcnow()
    now_event = audit.record(None, "test.now", summary="now")
    with audit.recorded_at(then):
        replayed = audit.record(None, "test.replayed", summary="then")
        given = audit.record(None, "test.given", at=then + timedelta(hours=1))
    after = audit.record(None, "test.after", summary="now again")
    db.session.flush()
    assert now_event.at >= before and after.at >= before
    assert replayed.at == then
    assert given.at == then + timedelta(hours=1)  # a time given still wins
