# ruff: noqa: F811 - fixtures imported from tests/slack/notices_kit.py and tests/admin_comms
"""Approval requests reach approvers in Slack with Approve / Reject / Open buttons, and
once the draft is decided (here on the web) the same Slack message is edited in place:
its buttons replaced by who decided and when, never a second post. Slack down or rate
limited holds up nothing on the web; the edit waits for the next tick."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.notifier import slack_people
from app.notifier.chat_updates import update_decided_messages
from app.notifier.slack_people import match_staff
from core.db import db
from subscribers.models import Delivery
from tests.admin_comms.conftest import approver, components, compose, incident, lead  # noqa: F401
from tests.admin_comms.helpers import draft_of, latest_sheet
from tests.slack.notices_kit import (  # noqa: F401
    button_ids,
    buttons,
    deliver_slack,
    fake_slack,
    slack_on,
)

ROBIN = "U0ROBIN0001"


@pytest.fixture(autouse=True)
def _forget_misses():
    slack_people._missed.clear()


@pytest.fixture
def drafted_in_slack(slack_on, approver, lead, staff, incident, compose):
    """The approver is a Slack user matched by the worker's job; then the lead drafts."""
    slack_on.add_user(approver.email, user_id=ROBIN)
    assert match_staff() == 1
    db.session.commit()
    assert approver.slack_user_id == ROBIN
    client = staff(lead)
    assert compose(client, incident, audiences=["customers", "engineering"]).status_code == 302
    sheet = latest_sheet()
    deliver_slack()
    return client, sheet


def test_an_approval_request_reaches_the_approvers_dm_with_approve_reject_and_open(
    drafted_in_slack, slack_on, approver
):
    _, sheet = drafted_in_slack
    [posted] = slack_on.posted(ROBIN)
    assert posted["channel"] == "D" + ROBIN[1:]  # the DM
    assert "waits for your approval" in posted["text"]
    assert button_ids(posted) == ["herald_approve", "herald_reject", "herald_open"]
    customers = draft_of(sheet, "customers")
    by_id = {b["action_id"]: b for b in buttons(posted)}
    assert by_id["herald_approve"]["value"] == f"draft:{customers.public_id}"
    assert by_id["herald_reject"]["value"] == f"draft:{customers.public_id}"
    assert by_id["herald_open"]["url"].endswith(
        f"/admin/fact-sheets/{sheet.public_id}#draft-customers"
    )
    # Email is still sent as before: Slack is in addition.
    channels = {d.channel for d in db.session.scalars(select(Delivery))}
    assert {"email", "slack"} <= channels
    # Nothing decided yet: the job edits nothing.
    assert update_decided_messages() == 0
    assert slack_on.calls("chat.update") == []


def test_approved_on_the_web_the_slack_message_is_edited_in_place_once(
    drafted_in_slack, slack_on, staff, approver
):
    _, sheet = drafted_in_slack
    [posted] = slack_on.posted(ROBIN)
    customers = draft_of(sheet, "customers")
    assert staff(approver).post(f"/admin/drafts/{customers.id}/approve").status_code == 302
    assert update_decided_messages() == 1
    [edit] = slack_on.calls("chat.update")
    params = slack_on.params(edit)
    assert (params["channel"], params["ts"]) == (posted["channel"], posted["ts"])
    now = slack_on.messages[(posted["channel"], posted["ts"])]
    assert "Approved by Robin Approver at " in now["text"]
    assert "herald_approve" not in button_ids(now) and "herald_reject" not in button_ids(now)
    assert button_ids(now) == ["herald_open"]  # the link stays
    # Never a second message to the approver, and the edit is made once.
    deliver_slack()
    assert len(slack_on.posted(ROBIN)) == 1
    assert update_decided_messages() == 0
    assert len(slack_on.calls("chat.update")) == 1


def test_a_rejection_says_who_rejected_it_and_why(drafted_in_slack, slack_on, staff, approver):
    _, sheet = drafted_in_slack
    [posted] = slack_on.posted(ROBIN)
    customers = draft_of(sheet, "customers")
    response = staff(approver).post(
        f"/admin/drafts/{customers.id}/reject", data={"comment": "Name the regions."}
    )
    assert response.status_code == 302
    assert update_decided_messages() == 1
    now = slack_on.messages[(posted["channel"], posted["ts"])]
    assert "Rejected by Robin Approver" in now["text"] and "Name the regions." in now["text"]


@pytest.mark.parametrize("trouble", [500, 429])
def test_slack_down_or_rate_limited_never_blocks_approving_and_the_edit_follows(
    drafted_in_slack, slack_on, staff, approver, trouble
):
    _, sheet = drafted_in_slack
    [posted] = slack_on.posted(ROBIN)
    slack_on.script(trouble, times=50, retry_after=30)
    customers = draft_of(sheet, "customers")
    assert staff(approver).post(f"/admin/drafts/{customers.id}/approve").status_code == 302
    db.session.refresh(customers)
    assert customers.state == "approved"
    assert update_decided_messages() == 0  # waits; raises nothing
    message = slack_on.messages[(posted["channel"], posted["ts"])]
    assert "herald_approve" in button_ids(message)
    slack_on.clear()  # Slack is back
    assert update_decided_messages() == 1
    assert "Approved by Robin Approver" in message["text"]


def test_with_an_approvers_channel_the_request_goes_there_once_not_to_dms(
    app, slack_on, approver, lead, staff, incident, compose, make_user
):
    app.config["SLACK_APPROVERS_CHANNEL"] = "C0APPROVE01"
    second = make_user("approver", email="sam@example.com", name="Sam Reviewer")
    slack_on.add_user(approver.email, user_id=ROBIN)
    slack_on.add_user(second.email)
    match_staff()
    db.session.commit()
    assert compose(staff(lead), incident, audiences=["customers"]).status_code == 302
    deliver_slack()
    [posted] = slack_on.posted()
    assert posted["channel"] == "C0APPROVE01"
    assert button_ids(posted) == ["herald_approve", "herald_reject", "herald_open"]


def test_the_job_stops_at_a_rate_limit_of_the_lookup(slack_on, approver):
    slack_on.add_user(approver.email, user_id=ROBIN)
    slack_on.script(429, retry_after=5, endpoint="users.lookupByEmail")
    assert match_staff() == 0
    assert approver.slack_user_id == ""
    assert match_staff() == 1


def test_a_staff_member_slack_does_not_know_is_not_asked_about_every_tick(slack_on, approver):
    assert match_staff() == 0
    assert match_staff() == 0
    assert len(slack_on.calls("users.lookupByEmail")) == 1
