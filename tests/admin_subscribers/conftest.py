"""Fixtures for the subscriber admin tests: a few subscribers, teams and broadcasts, and
CSV helpers. (Each request runs in its own application context: see tests/conftest.py.)"""

from __future__ import annotations

import pytest

from app import accounts
from core.db import db
from subscribers import registry
from subscribers.models import Broadcast, Delivery, Subscriber


@pytest.fixture
def admin(make_user, staff):
    return staff(make_user("admin"))


@pytest.fixture
def viewer(make_user, staff):
    return staff(make_user("viewer"))


@pytest.fixture
def make_team(app):
    def make(name: str):
        team = accounts.create_team(None, name)
        db.session.commit()
        return team

    return make


@pytest.fixture
def make_subscriber(app):
    """An internal subscriber (active), or in another state with ``state=``; it can
    choose component groups with ``group_ids=``."""

    def make(address: str, audience: str = "executives", *, channel: str = "email", **kwargs):
        state = kwargs.pop("state", "active")
        group_ids = kwargs.pop("group_ids", None)
        subscriber, _ = registry.add_internal(channel, address, audience, notify=False, **kwargs)
        if group_ids:
            registry.set_selection(subscriber, kwargs.get("component_ids"), group_ids)
        if state != "active":
            subscriber.state, subscriber.state_reason = state, f"made {state} by the test"
        db.session.commit()
        return subscriber

    return make


@pytest.fixture
def make_deliveries(app):
    """``make_deliveries(broadcast, [(subscriber, state, attempts, error), …])``."""

    def make(broadcast: Broadcast, rows) -> list[Delivery]:
        made = []
        for subscriber, state, attempts, error in rows:
            delivery = Delivery(
                broadcast_id=broadcast.id,
                subscriber_id=subscriber.id,
                channel=subscriber.channel,
                address=subscriber.address,
                state=state,
                attempts=attempts,
                last_error=error,
            )
            db.session.add(delivery)
            made.append(delivery)
        broadcast.recipients = len(rows)
        db.session.commit()
        return made

    return make


def subscriber_named(address: str) -> Subscriber | None:
    db.session.expire_all()
    return db.session.query(Subscriber).filter_by(address=address).one_or_none()
