"""Sending: claims, outcomes, retries with backoff, leases, and subscriber consequences."""

from datetime import timedelta

from sqlalchemy import select, update

from app.models import utcnow
from core.db import db
from subscribers import registry
from subscribers.channels.base import FAILED, RETRY
from subscribers.fanout import WEBHOOK_FAILURE_LIMIT, backoff, claim, drain
from subscribers.models import Broadcast, Delivery
from subscribers.outbox import expand_broadcast, finish_broadcasts, release_expired_leases
from tests.subscribers.helpers import ScriptedChannel


def states(broadcast):
    return {
        d.address: d.state
        for d in db.session.scalars(select(Delivery).where(Delivery.broadcast_id == broadcast.id))
    }


def delivery(address):
    return db.session.scalar(select(Delivery).where(Delivery.address == address))


def make_due(address):
    db.session.execute(
        update(Delivery)
        .where(Delivery.address == address)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_draining_sends_every_delivery_once(make_subscriber, make_broadcast):
    for i in range(5):
        make_subscriber(f"s{i}@example.com")
    broadcast = make_broadcast(subject="Hello")
    expand_broadcast(broadcast.id)
    channel = ScriptedChannel(batch_size=2)
    assert drain(channel) == 5
    assert channel.batches == [2, 2, 1]
    assert sorted(a for _, a, _ in channel.sent) == [f"s{i}@example.com" for i in range(5)]
    assert set(states(broadcast).values()) == {"sent"}
    assert drain(channel) == 0  # nothing is ever sent twice
    db.session.refresh(broadcast)
    assert broadcast.first_sent_at is not None
    finish_broadcasts()
    db.session.refresh(broadcast)
    assert broadcast.state == "done" and broadcast.finished_at is not None


def test_a_transient_failure_is_retried_later_and_then_succeeds(make_subscriber, make_broadcast):
    make_subscriber("flaky@example.com")
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    channel = ScriptedChannel()
    channel.plan("flaky@example.com", {"status": RETRY, "error": "SendGrid 500"})
    drain(channel)
    row = delivery("flaky@example.com")
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "SendGrid 500")
    assert row.next_attempt_at > utcnow()
    assert drain(channel) == 0  # not due yet
    make_due("flaky@example.com")
    drain(channel)
    db.session.refresh(row)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")


def test_retry_after_from_the_provider_is_honoured(make_subscriber, make_broadcast):
    make_subscriber("busy@example.com")
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    channel = ScriptedChannel()
    channel.plan("busy@example.com", {"status": RETRY, "error": "429", "retry_after": 600})
    before = utcnow()
    drain(channel)
    row = delivery("busy@example.com")
    assert row.next_attempt_at >= before + timedelta(seconds=600)


def test_backoff_grows_with_jitter_and_a_cap():
    first = [backoff(1) for _ in range(50)]
    fifth = [backoff(5) for _ in range(50)]
    assert min(first) >= 5 and max(first) <= 15
    assert min(fifth) >= 80 and max(fifth) <= 240
    assert len(set(first)) > 1  # jitter spreads retries out
    assert backoff(30) <= 3600 * 1.5
    assert backoff(1, retry_after=120) >= 120


def test_a_delivery_gives_up_after_the_maximum_attempts(app, make_subscriber, make_broadcast):
    app.config["MAX_ATTEMPTS"] = 2
    make_subscriber("down@example.com")
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    channel = ScriptedChannel()
    channel.plan(
        "down@example.com",
        {"status": RETRY, "error": "timeout"},
        {"status": RETRY, "error": "timeout"},
    )
    drain(channel)
    make_due("down@example.com")
    drain(channel)
    row = delivery("down@example.com")
    assert row.state == "failed"
    assert row.last_error == "gave up after 2 attempts: timeout"


def test_a_permanent_failure_stops_and_can_unsubscribe_or_quarantine(
    make_subscriber, make_broadcast
):
    stop = make_subscriber("+14155550101", channel="sms")
    bad = make_subscriber("+14155550102", channel="sms")
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    channel = ScriptedChannel(kind="sms")
    channel.plan(
        "+14155550101",
        {"status": FAILED, "error": "21610 STOP", "subscriber_action": "unsubscribe"},
    )
    channel.plan(
        "+14155550102",
        {"status": FAILED, "error": "21211 invalid", "subscriber_action": "quarantine"},
    )
    drain(channel)
    db.session.refresh(stop)
    db.session.refresh(bad)
    assert stop.state == "unsubscribed" and "21610" in stop.state_reason
    assert bad.state == "quarantined" and "21211" in bad.state_reason
    assert states(broadcast) == {"+14155550101": "failed", "+14155550102": "failed"}


def test_a_subscriber_who_left_after_expansion_is_suppressed(make_subscriber, make_broadcast):
    leaving = make_subscriber("leaving@example.com")
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    registry.unsubscribe(leaving, "clicked unsubscribe")
    db.session.commit()
    channel = ScriptedChannel()
    drain(channel)
    assert channel.sent == []
    row = delivery("leaving@example.com")
    assert row.state == "suppressed" and "unsubscribed" in row.last_error


def test_a_webhook_failing_ten_times_in_an_hour_is_quarantined(make_subscriber, make_broadcast):
    hook = make_subscriber("https://hooks.example.com/h", channel="webhook")
    channel = ScriptedChannel(kind="webhook")
    for _ in range(WEBHOOK_FAILURE_LIMIT):
        broadcast = make_broadcast()
        expand_broadcast(broadcast.id)
        channel.plan(
            hook.address,
            {"status": FAILED, "error": "answered 404", "subscriber_action": "count_failure"},
        )
        drain(channel)
    db.session.refresh(hook)
    assert hook.state == "quarantined"
    assert "10 failed deliveries within an hour" in hook.state_reason
    registry.release(hook)
    db.session.commit()
    assert hook.state == "active" and hook.failure_count == 0


def test_a_success_resets_the_failure_count(make_subscriber, make_broadcast):
    hook = make_subscriber("https://hooks.example.com/h", channel="webhook")
    channel = ScriptedChannel(kind="webhook")
    for planned in (
        {"status": FAILED, "error": "500", "subscriber_action": "count_failure"},
        {"status": "sent", "provider_id": "200"},
    ):
        expand_broadcast(make_broadcast().id)
        channel.plan(hook.address, planned)
        drain(channel)
    db.session.refresh(hook)
    assert hook.failure_count == 0 and hook.state == "active"


def test_a_lease_that_ran_out_puts_the_delivery_back_but_never_a_sent_one(
    make_subscriber, make_broadcast
):
    make_subscriber("a@example.com")
    make_subscriber("b@example.com")
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    claimed = claim("email", 10)
    assert len(claimed) == 2
    assert claim("email", 10) == []  # claimed rows are not claimed again
    # The worker "dies": one delivery had been sent and recorded, the other not.
    db.session.execute(
        update(Delivery).where(Delivery.address == "a@example.com").values(state="sent")
    )
    db.session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert release_expired_leases() == 1
    channel = ScriptedChannel()
    drain(channel)
    assert [a for _, a, _ in channel.sent] == ["b@example.com"]


def test_a_batch_that_raises_is_retried_not_lost(make_subscriber, make_broadcast):
    make_subscriber("a@example.com")
    expand_broadcast(make_broadcast().id)

    class Broken(ScriptedChannel):
        def send(self, content, batch):
            raise RuntimeError("provider SDK bug")

    drain(Broken())
    row = delivery("a@example.com")
    assert row.state == "queued" and "provider SDK bug" in row.last_error


def test_a_confirmation_reaches_a_pending_subscriber(app, audiences):
    subscriber = registry.subscribe("email", "new@example.com")
    db.session.commit()
    [broadcast] = db.session.scalars(select(Broadcast)).all()
    expand_broadcast(broadcast.id)
    channel = ScriptedChannel()
    drain(channel)
    assert [(a, s) for _, a, s in channel.sent] == [
        ("new@example.com", "Confirm your subscription to Herald Status updates")
    ]
    assert subscriber.state == "pending"


def test_a_claim_that_lost_its_rows_cannot_overwrite_the_next_one(make_subscriber, make_broadcast):
    from subscribers.channels.base import Outcome
    from subscribers.fanout import Claimed, record

    make_subscriber("slow@example.com")
    expand_broadcast(make_broadcast().id)
    [first] = claim("email", 10, "first")
    # The first claim's lease runs out while it is still sending; another worker takes over.
    db.session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    release_expired_leases()
    [second] = claim("email", 10, "second")
    assert second[0] == first[0]
    held = {first[0]: Claimed(1, first[2], first[1])}
    # The first worker's late "retry" must not put the row back in the queue …
    record([Outcome(first[0], RETRY, error="timeout")], held, token="first")
    assert delivery("slow@example.com").state == "sending"
    # … and the claim that holds the row records what really happened.
    record([Outcome(second[0], "sent", provider_id="ok")], held, token="second")
    row = delivery("slow@example.com")
    assert (row.state, row.provider_message_id) == ("sent", "ok")
    record([Outcome(first[0], RETRY, error="late")], held, token="first")
    assert delivery("slow@example.com").state == "sent"


def test_nothing_new_is_sent_once_the_claim_is_about_to_lapse(app, make_subscriber, make_broadcast):
    from subscribers.channels.base import LATE, Content, Outgoing, PooledChannel

    class Slow(PooledChannel):
        kind, name = "webhook", "slow"
        sent = []

        def _send_one(self, content, item):
            self.sent.append(item.address)
            return __import__("subscribers.channels.base", fromlist=["Outcome"]).Outcome(
                item.delivery_id, "sent"
            )

    channel = Slow(2, "slow")
    channel.deadline = 0.0  # long past
    content = Content(1, "incident", "S", "T", "", "", {})
    outcomes = channel.send(content, [Outgoing(1, 1, "https://a.example", "t", "s", 1)])
    channel.close()
    assert channel.sent == []
    assert outcomes[0].status == RETRY and outcomes[0].error == LATE


def test_sms_batches_fit_well_within_the_lease_at_the_configured_pace():
    from subscribers.channels import sms_batch_size

    assert sms_batch_size(1, 120) == 30
    assert sms_batch_size(0.1, 120) == 3
    assert sms_batch_size(0, 120) == 100  # no pacing: full batches
    assert sms_batch_size(50, 120) == 100


def test_one_process_at_a_time_holds_the_worker_lease(app):
    from subscribers import leadership

    assert leadership.hold("web-1", 30)
    assert not leadership.hold("web-2", 30)
    assert leadership.hold("web-1", 30)  # renewing
    leadership.release("web-1")
    assert leadership.hold("web-2", 30)
    assert not leadership.hold("web-1", 30)
