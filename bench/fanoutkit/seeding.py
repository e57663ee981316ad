"""A fresh database, its subscribers, and the publish that starts the fan-out.

Subscribers are the fixture, not what is measured, but a million of them must not take
longer than the fan-out: they are written by one ``INSERT … SELECT`` over a generated
series (``generate_series`` on PostgreSQL, a recursive CTE on SQLite), so no row passes
through Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pgschema import fresh_schema
from sqlalchemy import Text, bindparam, case, cast, create_engine, func, literal, select, text, true

from . import KEY_ACCOUNTS


def prepare_database(kind: str, workdir: str) -> tuple[str, Callable[[], None]]:
    """A fresh, empty database with Herald's tables; returns its URL and a function that
    removes it."""
    from app.models import Base

    if kind == "sqlite":
        url, drop = f"sqlite:///{workdir}/fanout.db", lambda: None
    else:
        url, drop = fresh_schema("herald_bench")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url, drop


def _numbers(dialect: str, count: int):
    """A one-column selectable ``i`` of 0 … count - 1."""
    if dialect == "postgresql":
        return select(func.generate_series(0, count - 1).label("i")).subquery("seq")
    seq = select(literal(0).label("i")).cte("seq", recursive=True)
    return seq.union_all(select(seq.c.i + 1).where(seq.c.i < count - 1))


def _padded(dialect: str, number, width: int = 7):
    """``number`` as text, zero-padded to ``width`` digits."""
    if dialect == "postgresql":
        return func.lpad(cast(number, Text), width, "0")
    return func.printf(f"%0{width}d", number)


def seed(app, emails: int, sms: int) -> tuple[int, float]:
    """``emails`` email and then ``sms`` SMS subscribers of the customers audience, the
    first KEY_ACCOUNTS of them key accounts, all hearing about every component; returns
    the id of the component the update is about and the seconds the seeding took."""
    from app.status.components import create_component
    from core.db import db
    from core.time import utcnow
    from subscribers.audiences import get_audience
    from subscribers.models import Subscriber

    began = time.perf_counter()
    with app.app_context():
        customers = get_audience("customers")
        component = create_component(None, "Checkout API")
        db.session.commit()
        total = emails + sms
        if total:
            dialect = db.engine.dialect.name
            seq = _numbers(dialect, total)
            i = seq.c.i
            is_email = i < emails
            now = bindparam("now", utcnow(), type_=Subscriber.__table__.c.created_at.type)
            rows = select(
                case((is_email, literal("email")), else_=literal("sms")),
                case(
                    (is_email, "user" + _padded(dialect, i) + "@example.com"),
                    else_="+1415" + _padded(dialect, 2000000 + i),
                ),
                literal(customers.id),
                true(),
                literal("active"),
                literal(""),
                i < KEY_ACCOUNTS,
                literal(""),
                # Unique and in order: random ones cost twice the time on SQLite (the
                # unique index is written all over), and the fan-out never reads by them.
                _padded(dialect, i, 32),
                literal(""),
                literal(""),
                literal(0),
                literal("staff"),
                literal(0),
                now,
                now,
                now,
            ).select_from(seq)
            columns = [
                "channel", "address", "audience_id", "all_components", "state",
                "state_reason", "key_account", "name", "link_id", "secret",
                "confirm_code_hash", "confirm_attempts", "source", "failure_count",
                "confirmed_at", "created_at", "updated_at",
            ]  # fmt: skip
            db.session.execute(Subscriber.__table__.insert().from_select(columns, rows))
            db.session.commit()
            if dialect == "postgresql":
                db.session.execute(text("ANALYZE subscribers"))
                db.session.commit()
        component_id = component.id
        db.session.remove()
    return component_id, time.perf_counter() - began


def publish(app, component_id: int, title: str = "Checkout errors") -> float:
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
            title,
            "major",
            {component: "major_outage"},
            body="Some payments are failing. We are investigating and will "
            "update within 30 minutes.",
            reviewed=True,  # stands for an approved customers text
        )
        db.session.commit()
        db.session.remove()
    return started
