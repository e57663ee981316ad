# ruff: noqa: F811  (the fixtures imported below are redefined as test arguments)
"""Staff add chat destinations (admin form and CSV import) for internal audiences only,
and a published update reaches them."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from subscribers import csv_io
from subscribers.models import Subscriber
from tests.forms import page_text
from tests.slack.chat_delivery_fixtures import (  # noqa: F401 - fixtures
    chat_app,
    hooks,
    publish,
    send_all,
    sender,
    slack,
)


def test_an_admin_adds_a_slack_channel_to_engineering_and_an_update_reaches_it(
    chat_app, make_user, staff, sender, slack
):
    admin = staff(make_user("admin"))
    response = admin.post(
        "/admin/subscribers/new",
        data={
            "channel": "slack",
            "address": " c0engineer1 ",
            "name": "#eng-incidents",
            "audience": "engineering",
            "team_id": 0,
        },
    )
    assert response.status_code == 302
    told = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "they carry no unsubscribe link" in told and "(with the unsubscribe link)" not in told
    subscriber = db.session.scalar(select(Subscriber))
    assert (subscriber.channel, subscriber.address, subscriber.state) == (
        "slack",
        "C0ENGINEER1",
        "active",
    )

    publish("engineering", "[Identified] Payments delayed", "A fix is rolling out.")
    send_all(sender("slack"))

    subjects = [m["text"] for m in slack.posted("C0ENGINEER1")]
    assert "[Identified] Payments delayed" in subjects


def test_customers_cannot_get_a_slack_or_chat_destination(chat_app, make_user, staff, hooks):
    admin = staff(make_user("admin"))
    for channel, address in (("slack", "C0CUSTOMER1"), ("chat_webhook", hooks.mattermost_url())):
        response = admin.post(
            "/admin/subscribers/new",
            data={"channel": channel, "address": address, "audience": "customers", "team_id": 0},
        )
        assert response.status_code == 400
        assert "internal audiences and teams only" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_public_sign_up_never_takes_a_chat_channel(chat_app):
    from core.errors import ServiceError
    from subscribers import registry

    for channel in ("slack", "chat_webhook"):
        try:
            registry.subscribe(channel, "C0PUBLIC001")
        except ServiceError as error:
            assert "email, SMS or webhook" in error.message
        else:
            raise AssertionError("a public sign-up took a chat channel")


def test_the_csv_import_takes_both_chat_channels_and_reports_bad_rows(chat_app, hooks):
    mattermost = hooks.mattermost_url()
    source = (
        "channel,address,audience,components,team\n"
        f"slack,C0SUPPORT01,support,,\n"
        f"chat_webhook,{mattermost},engineering,,\n"
        "slack,#general,support,,\n"
        "chat_webhook,https://example.com/not-a-hook,support,,\n"
        "slack,C0PRESS0001,press,,\n"
    )
    report = csv_io.import_rows(source, dry_run=False)
    db.session.commit()

    assert (report.added, report.rejected) == (2, 3)
    rejected = [r.reason for r in report.rows if r.outcome == csv_io.REJECTED]
    text = " ".join(rejected)
    assert "Slack channel id" in text
    assert "not an incoming-webhook URL" in text
    assert "internal audiences and teams only" in text
    rows = db.session.execute(
        select(Subscriber.channel, Subscriber.address).order_by(Subscriber.id)
    ).all()
    assert rows == [("slack", "C0SUPPORT01"), ("chat_webhook", mattermost)]
