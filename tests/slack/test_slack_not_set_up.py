"""Without HERALD_SLACK_SIGNING_SECRET and HERALD_SLACK_BOT_TOKEN every Slack delivery
would fail: staff cannot add Slack destinations or make Slack an audience's default, and
Slack subscribers left from before are neither counted in a publish's reach nor expanded
into deliveries. Public audiences cannot default to chat channels at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import ServiceError
from subscribers import csv_io, registry
from subscribers.audiences import get_audience, update_audience
from subscribers.channels.slack_api import NOT_SET_UP
from subscribers.models import Audience, Delivery, Subscriber
from subscribers.outbox import Message, create_broadcast, expand_broadcast, reach_by_channel

MESSAGE = (
    "Slack is not set up: set HERALD_SLACK_SIGNING_SECRET and HERALD_SLACK_BOT_TOKEN "
    "(see README, Slack)."
)


@pytest.fixture
def no_slack(app, audiences):
    app.config.update(SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="")
    return app


def subscriber_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Subscriber))


def test_the_admin_refuses_a_slack_channel_and_says_how_to_set_slack_up(
    no_slack, make_user, staff, text
):
    assert NOT_SET_UP == MESSAGE
    admin = staff(make_user("admin"))
    response = admin.post(
        "/admin/subscribers/new",
        data={
            "channel": "slack",
            "address": "C0ENGINEER1",
            "audience": "engineering",
            "team_id": 0,
        },
    )
    assert response.status_code == 400
    assert MESSAGE in text(response)
    assert subscriber_count() == 0


def test_the_csv_import_rejects_slack_rows_and_keeps_the_others(no_slack):
    source = (
        "channel,address,audience,components,team\n"
        "slack,C0SUPPORT01,support,,\n"
        "email,desk@example.com,support,,\n"
    )
    report = csv_io.import_rows(source, dry_run=False)
    db.session.commit()
    assert (report.added, report.rejected) == (1, 1)
    [rejected] = [r for r in report.rows if r.outcome == csv_io.REJECTED]
    assert rejected.reason == MESSAGE
    assert db.session.scalars(select(Subscriber.channel)).all() == ["email"]


def test_with_slack_set_up_the_same_channel_is_added(app, audiences):
    app.config.update(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    subscriber, created = registry.add_internal("slack", "C0ENGINEER1", "engineering")
    assert created and subscriber.address == "C0ENGINEER1"


def _slack_subscriber_from_before(app) -> Subscriber:
    """A Slack destination added while Slack was set up; then the settings went away."""
    app.config.update(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    slack, _ = registry.add_internal("slack", "C0ENGINEER1", "engineering", notify=False)
    registry.add_internal("email", "eng@example.com", "engineering", notify=False)
    db.session.commit()
    app.config.update(SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="")
    return slack


def test_existing_slack_subscribers_are_left_out_of_reach_and_expansion(app, audiences):
    _slack_subscriber_from_before(app)
    assert reach_by_channel("engineering") == {"email": 1}
    broadcast = create_broadcast(
        "engineering", Message(subject="Payments delayed", text="A fix."), source="test:1"
    )
    db.session.commit()
    assert expand_broadcast(broadcast.id) == 1
    assert db.session.scalars(select(Delivery.channel)).all() == ["email"]

    # Once Slack is set up again, the next broadcast reaches the channel.
    app.config.update(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    assert reach_by_channel("engineering") == {"email": 1, "slack": 1}


def test_a_direct_message_to_a_slack_subscriber_is_not_written_either(app, audiences):
    slack = _slack_subscriber_from_before(app)
    broadcast = create_broadcast(
        "engineering",
        Message(subject="Hello", text="Just you."),
        source="test:direct",
        subscriber_id=slack.id,
    )
    db.session.commit()
    assert expand_broadcast(broadcast.id) == 0


def test_the_audience_page_hides_slack_and_the_service_refuses_it(
    no_slack, make_user, staff, fill, text
):
    admin = staff(make_user("admin"))
    url = "/admin/audiences/engineering"
    page = text(admin.get(url))
    assert 'value="chat_webhook"' in page and 'value="slack"' not in page
    response = admin.post(url, data=fill(admin, url, default_channels=["email", "slack"]))
    assert response.status_code == 400
    assert MESSAGE in text(response)
    db.session.expire_all()
    assert "slack" not in get_audience("engineering").default_channels
    with pytest.raises(ServiceError, match="Slack is not set up"):
        update_audience(None, get_audience("engineering"), default_channels=["slack"])


@pytest.mark.parametrize("channel", ["slack", "chat_webhook"])
def test_a_public_audience_cannot_default_to_a_chat_channel(
    app, audiences, make_user, staff, fill, text, channel
):
    app.config.update(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    admin = staff(make_user("admin"))
    url = "/admin/audiences/customers"
    page = text(admin.get(url))
    assert 'value="slack"' not in page and 'value="chat_webhook"' not in page
    response = admin.post(url, data=fill(admin, url, default_channels=["email", channel]))
    assert response.status_code == 400
    assert (
        "Customers is a public audience: Slack and chat webhook destinations are for "
        "internal audiences and teams only" in text(response)
    )
    db.session.expire_all()
    assert get_audience("customers").default_channels == ["email", "sms", "webhook"]


def test_an_internal_audience_made_public_must_drop_its_chat_defaults(app, audiences):
    app.config.update(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")
    engineering = get_audience("engineering")
    update_audience(None, engineering, default_channels=["email", "chat_webhook"])
    db.session.commit()
    with pytest.raises(ServiceError, match="public audience"):
        update_audience(None, engineering, visibility="public")
    db.session.rollback()
    assert db.session.get(Audience, engineering.id).visibility == "internal"
    # Internal audiences keep both.
    update_audience(None, engineering, default_channels=["slack", "chat_webhook"])
    assert engineering.default_channels == ["slack", "chat_webhook"]
