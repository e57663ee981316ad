"""Expanding broadcasts into deliveries: who is matched, once, in what order."""

from sqlalchemy import func, select

from app.incidents.services import declare_incident
from core.db import db
from subscribers import registry
from subscribers.models import Broadcast, Delivery
from subscribers.outbox import expand_broadcast, expand_step, progress


def deliveries(broadcast):
    return db.session.scalars(
        select(Delivery).where(Delivery.broadcast_id == broadcast.id).order_by(Delivery.id)
    ).all()


def addresses(broadcast):
    return sorted(d.address for d in deliveries(broadcast))


def test_a_broadcast_reaches_the_subscribers_of_its_components_only(
    make_component, make_subscriber, make_broadcast
):
    api, web = make_component("API", group="Core"), make_component("Web")
    make_subscriber("all@example.com")
    make_subscriber("api@example.com", components=[api])
    make_subscriber("web@example.com", components=[web])
    make_subscriber("exec@example.com", audience="executives")
    broadcast = make_broadcast(components=[api])
    assert expand_broadcast(broadcast.id) == 2
    assert addresses(broadcast) == ["all@example.com", "api@example.com"]


def test_choosing_a_group_covers_its_components(make_component, make_subscriber, make_broadcast):
    api = make_component("API", group="Core")
    subscriber = make_subscriber("group@example.com")
    registry.set_selection(subscriber, [], [api.group_id])
    db.session.commit()
    broadcast = make_broadcast(components=[api])
    expand_broadcast(broadcast.id)
    assert addresses(broadcast) == ["group@example.com"]


def test_someone_matching_twice_gets_one_message_per_channel(
    make_component, make_subscriber, make_broadcast
):
    api = make_component("API", group="Core")
    web = make_component("Web", group="Core")
    subscriber = make_subscriber("twice@example.com", components=[api, web])
    registry.set_selection(subscriber, [api.id, web.id], [api.group_id])
    make_subscriber("+14155550100", channel="sms", components=[api])
    db.session.commit()
    broadcast = make_broadcast(components=[api, web])
    expand_broadcast(broadcast.id)
    assert addresses(broadcast) == ["+14155550100", "twice@example.com"]


def test_expanding_twice_adds_nothing(make_subscriber, make_broadcast):
    for i in range(7):
        make_subscriber(f"s{i}@example.com")
    broadcast = make_broadcast()
    assert expand_broadcast(broadcast.id, chunk=3) == 7
    broadcast.state, broadcast.expanded_through, broadcast.expand_pass = "pending", 0, 0
    db.session.commit()
    expand_broadcast(broadcast.id, chunk=3)
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 7


def test_only_active_subscribers_are_reached(make_subscriber, make_broadcast):
    make_subscriber("active@example.com")
    gone = make_subscriber("gone@example.com")
    registry.unsubscribe(gone, "test")
    registry.subscribe("email", "pending@example.com")
    db.session.commit()
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    assert addresses(broadcast) == ["active@example.com"]


def test_key_accounts_and_urgent_audiences_come_first(make_subscriber, make_broadcast):
    for i in range(3):
        make_subscriber(f"regular{i}@example.com")
    make_subscriber("key@example.com", key_account=True)
    make_subscriber("boss@example.com", audience="executives")
    customers = make_broadcast("customers")
    executives = make_broadcast("executives")
    expand_broadcast(customers.id)
    expand_broadcast(executives.id)
    ordered = db.session.scalars(
        select(Delivery.address).order_by(Delivery.priority, Delivery.id)
    ).all()
    assert ordered[0] == "boss@example.com"
    assert ordered[1] == "key@example.com"


def test_expansion_goes_in_chunks_that_can_be_sent_before_the_end(make_subscriber, make_broadcast):
    for i in range(5):
        make_subscriber(f"s{i}@example.com")
    broadcast = make_broadcast()
    assert expand_step(broadcast.id, chunk=2) == 0  # no key accounts: on to the rest
    assert expand_step(broadcast.id, chunk=2) == 2
    db.session.refresh(broadcast)
    assert broadcast.state == "expanding"
    assert len(deliveries(broadcast)) == 2
    while expand_step(broadcast.id, chunk=2) != -1:
        pass
    db.session.refresh(broadcast)
    assert broadcast.state == "sending" and broadcast.recipients == 5


def test_the_same_source_creates_one_broadcast(make_component, make_subscriber, audiences):
    from subscribers.outbox import Message, create_broadcast

    first = create_broadcast("customers", Message("S", "T"), source="same")
    second = create_broadcast("customers", Message("S", "T"), source="same")
    db.session.commit()
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 1


def test_an_incident_update_promises_delivery_in_its_own_transaction(
    make_component, make_subscriber
):
    api = make_component("API")
    database = make_component("Database", visibility="internal")
    from app.status.components import add_dependency

    add_dependency(None, api, database)
    make_subscriber("api@example.com", components=[api])
    incident = declare_incident(
        None,
        "DB slow",
        "minor",
        {database: "degraded_performance"},
        body="Looking into it.",
        reviewed=True,
    )
    db.session.rollback()  # never committed: no incident, no broadcast
    assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 0
    incident = declare_incident(
        None, "API errors", "minor", {api: "partial_outage"}, body="Looking into it.", reviewed=True
    )
    db.session.commit()
    [broadcast] = db.session.scalars(select(Broadcast)).all()
    assert broadcast.source == f"incident_update:{incident.updates[0].id}:customers"
    assert "API errors" in broadcast.subject
    assert expand_broadcast(broadcast.id) == 1


def test_internal_incidents_and_switched_off_updates_notify_nobody(make_component, make_subscriber):
    api = make_component("API")
    make_subscriber("api@example.com", components=[api])
    declare_incident(
        None,
        "Quiet",
        "minor",
        {api: "degraded_performance"},
        body="x",
        deliver_notifications=False,
        reviewed=True,
    )
    declare_incident(
        None,
        "Internal",
        "minor",
        {api: "degraded_performance"},
        body="x",
        visibility="internal",
        reviewed=True,
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 0


def test_progress_counts_deliveries_by_state(make_subscriber, make_broadcast):
    for i in range(4):
        make_subscriber(f"s{i}@example.com")
    broadcast = make_broadcast()
    expand_broadcast(broadcast.id)
    rows = deliveries(broadcast)
    rows[0].state = "sent"
    rows[1].state, rows[1].attempts = "queued", 2
    rows[2].state = "failed"
    db.session.commit()
    report = progress(broadcast)
    assert (report.sent, report.failed, report.retrying, report.remaining) == (1, 1, 1, 1)
