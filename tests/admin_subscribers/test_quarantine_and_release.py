"""A subscriber whose deliveries keep failing stops receiving, shows in the admin with the
reason, and receives again once staff release it."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from subscribers.channels.base import FAILED
from subscribers.fanout import WEBHOOK_FAILURE_LIMIT, drain
from subscribers.models import Delivery
from subscribers.outbox import Message, create_broadcast, expand_broadcast
from tests.forms import page_text
from tests.subscribers.helpers import ScriptedChannel

HOOK = "https://hooks.example.com/herald"


def send(number: int, channel: ScriptedChannel) -> int:
    broadcast = create_broadcast(
        "engineering", Message(f"Update {number}", "text"), source=f"update:{number}"
    )
    db.session.commit()
    recipients = expand_broadcast(broadcast.id)
    drain(channel)
    return recipients


def test_failing_deliveries_quarantine_the_subscriber_until_staff_release_it(
    app, admin, make_subscriber
):
    hook = make_subscriber(HOOK, "engineering", channel="webhook")
    channel = ScriptedChannel(kind="webhook")
    failure = {"status": FAILED, "error": "HTTP 503", "subscriber_action": "count_failure"}
    channel.plan(HOOK, *[failure] * WEBHOOK_FAILURE_LIMIT)

    for number in range(WEBHOOK_FAILURE_LIMIT):
        assert send(number, channel) == 1

    db.session.refresh(hook)
    assert hook.state == "quarantined"
    reason = f"{WEBHOOK_FAILURE_LIMIT} failed deliveries within an hour; last: HTTP 503"
    assert hook.state_reason == reason
    assert send(99, channel) == 0  # a quarantined subscriber is not reached

    listed = page_text(admin.get("/admin/subscribers?state=quarantined"))
    assert HOOK in listed and reason in listed
    assert f'action="/admin/subscribers/{hook.id}/release"' in listed
    lookup = page_text(admin.get(f"/admin/subscribers/{hook.id}"))
    assert lookup.count("HTTP 503") >= WEBHOOK_FAILURE_LIMIT

    admin.post(f"/admin/subscribers/{hook.id}/release")

    assert send(100, channel) == 1
    assert [subject for _, _, subject in channel.sent] == ["Update 100"]
    sent = db.session.scalar(select(Delivery).where(Delivery.state == "sent"))
    assert sent.subscriber_id == hook.id
