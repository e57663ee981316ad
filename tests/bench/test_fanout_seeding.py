"""The fan-out benchmark's subscribers (bench/fanoutkit/seeding.py), written by one
statement on SQLite and PostgreSQL alike, are the ones the transport floor addresses and
every broadcast to customers reaches: key accounts first, each with a link id of its own."""

from __future__ import annotations

from sqlalchemy import select

from bench.fanoutkit import KEY_ACCOUNTS, email_address, phone_number
from bench.fanoutkit.seeding import seed
from core.db import db
from subscribers.models import Subscriber
from subscribers.outbox import reach_by_channel


def test_seeding_writes_active_subscribers_addressed_as_the_floor_sends(app):
    component_id, _ = seed(app, 2500, 300)

    rows = db.session.execute(
        select(
            Subscriber.channel, Subscriber.address, Subscriber.key_account, Subscriber.link_id
        ).order_by(Subscriber.id)
    ).all()
    assert len(rows) == 2800
    assert [row.address for row in rows[:2]] == [email_address(0), email_address(1)]
    assert (rows[2499].channel, rows[2500].channel) == ("email", "sms")
    assert rows[-1].address == phone_number(2799)
    assert [row.key_account for row in rows] == [i < KEY_ACCOUNTS for i in range(2800)]
    assert len({row.link_id for row in rows}) == 2800
    assert all(len(row.link_id) == 32 for row in rows)
    assert reach_by_channel("customers", [component_id]) == {"email": 2500, "sms": 300}


def test_seeding_nobody_leaves_only_the_component(app):
    component_id, _ = seed(app, 0, 0)

    assert component_id
    assert db.session.scalars(select(Subscriber.id)).all() == []
