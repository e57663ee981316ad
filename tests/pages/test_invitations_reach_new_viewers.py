"""The sign-in email is transactional: it reaches every invited viewer, whether or not
the address hears the page's notices, through the real outbox, fan-out and SMTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.pages import viewers
from core.db import db
from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.models import Broadcast, Delivery, Subscriber
from subscribers.outbox import expand_broadcast
from tests.pages.conftest import LINK_RE, use_link


@pytest.fixture
def mailed(app, smtp_sink):
    """``mailed()``: send every queued broadcast by SMTP; the sink's messages."""
    app.config.update(EMAIL_BACKEND="smtp", SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)

    def send():
        for broadcast_id in db.session.scalars(select(Broadcast.id).order_by(Broadcast.id)):
            expand_broadcast(broadcast_id)
        drain(channels_for(app, "email")["email"])
        db.session.commit()
        return smtp_sink.messages

    return send


def _link_in(message) -> str:
    body = message.message.get_body(("plain",)).get_content()
    return LINK_RE.search(re.sub(r"=\r?\n", "", body)).group(1)


def test_a_brand_new_viewer_invited_by_api_gets_the_email_and_signs_in(
    app, make_page, api, make_user, mailed
):
    make_page()
    lead = api(make_user("comms_lead"))
    response = lead.post("/api/v1/pages/acme/viewers", json={"email": "new@acme.example"})
    assert response.status_code == 201, response.get_data(as_text=True)
    messages = mailed()
    assert [m.recipients for m in messages] == [["new@acme.example"]]
    delivery = db.session.scalar(select(Delivery))
    assert delivery.state == "sent" and not delivery.last_error
    client = app.test_client()
    assert use_link(client, _link_in(messages[0])).status_code == 302
    assert "Acme Corp" in client.get("/p/acme").get_data(as_text=True)
    # The address still hears no notices: it was invited, not subscribed.
    address = db.session.scalar(select(Subscriber).where(Subscriber.address == "new@acme.example"))
    assert address.state != "active"


def test_a_viewer_who_unsubscribed_from_notices_still_gets_a_new_link(
    app, make_page, mailed, smtp_sink
):
    page = make_page()
    viewer = viewers.invite_viewer(None, page, "ana@acme.example")
    address = viewers.viewer_address(viewer)
    address.state, address.state_reason = "unsubscribed", "unsubscribed by link"
    db.session.commit()
    smtp_sink.messages.clear()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    messages = mailed()
    assert [m.recipients for m in messages][-1:] == [["ana@acme.example"]]
    assert use_link(app.test_client(), _link_in(messages[-1])).status_code == 302


def test_a_quarantined_address_is_not_mailed(app, make_page, mailed):
    """A bouncing address stays suppressed: the link is still made, not sent."""
    page = make_page()
    viewer = viewers.invite_viewer(None, page, "ana@acme.example")
    viewers.viewer_address(viewer).state = "quarantined"
    db.session.commit()
    viewers.invite_viewer(None, page, "ana@acme.example")
    db.session.commit()
    assert mailed() == []
