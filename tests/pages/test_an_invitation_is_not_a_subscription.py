"""Inviting a viewer makes no subscriber: the address the sign-in links go to is kept apart
(address only, subscribers.states), shown in no list or count of subscribers, and the
invitation is a transactional email that no one-click POST can turn into a change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.pages import services, viewers
from core.db import db
from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.links import link_token, unsubscribe_url
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import expand_broadcast
from subscribers.states import ADDRESS_ONLY
from tests.forms import page_text
from tests.pages.conftest import CSRF_RE, sign_in_path, use_link

ANA = "ana@acme.example"


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


def address_of(page, email=ANA) -> Subscriber:
    db.session.expire_all()
    return db.session.scalar(
        select(Subscriber).where(
            Subscriber.audience_id == page.audience_id, Subscriber.address == email
        )
    )


def counts(admin) -> dict[str, str]:
    html = admin.get("/admin/subscribers").get_data(as_text=True)
    return {
        state: html.split(f'data-state="{state}">', 1)[1].split("<", 1)[0]
        for state in ("pending", "active", "unsubscribed", "quarantined")
    }


def subscribe(client) -> None:
    form = client.get("/p/acme/subscribe").get_data(as_text=True)
    sent = client.post("/p/acme/subscribe", data={"csrf_token": CSRF_RE.search(form).group(1)})
    assert sent.status_code == 200


def test_inviting_a_viewer_in_the_admin_adds_no_subscriber(make_page, make_user, staff):
    make_page()
    admin = staff(make_user("admin"))
    invited = admin.post("/admin/pages/acme/viewers", data={"email": "jane.doe@acme.example"})
    assert invited.status_code in (200, 302), invited.get_data(as_text=True)
    assert sign_in_path("jane.doe@acme.example")  # the invitation is queued
    assert counts(admin) == {"pending": "0", "active": "0", "unsubscribed": "0", "quarantined": "0"}
    listed = page_text(admin.get("/admin/subscribers?q=jane.doe"))
    assert "jane.doe@acme.example" not in listed
    exported = admin.get("/admin/subscribers/export").get_data(as_text=True)
    assert "jane.doe@acme.example" not in exported


def test_the_invitation_is_a_transactional_email_without_unsubscribe_headers(make_page, mailed):
    page = make_page()
    viewers.invite_viewer(None, page, ANA)
    db.session.commit()
    [message] = mailed()
    assert message.recipients == [ANA]
    assert message.message["Subject"].startswith("Your sign-in link for Acme Corp")
    assert message.message["List-Unsubscribe"] is None
    assert message.message["List-Unsubscribe-Post"] is None
    assert b"List-Unsubscribe" not in message.raw
    assert b"/unsubscribe/" not in message.raw and b"/subscriptions/" not in message.raw


def test_the_invitation_sent_by_sendgrid_asks_for_no_unsubscribe_headers(
    app, make_page, fake_sendgrid
):
    app.config.update(
        EMAIL_BACKEND="sendgrid", SENDGRID_API_KEY="SG.test-key", SENDGRID_HOST=fake_sendgrid.url
    )
    page = make_page()
    viewers.invite_viewer(None, page, ANA)
    db.session.commit()
    expand_broadcast(db.session.scalar(select(Broadcast.id)))
    drain(channels_for(app, "email")["email"])
    [request] = fake_sendgrid.requests
    [personalization] = request.json["personalizations"]
    assert personalization["to"] == [{"email": ANA}]
    assert "headers" not in personalization


def test_a_one_click_post_to_an_old_invitation_s_unsubscribe_link_changes_nothing(app, make_page):
    """Invitations sent before the address was kept apart carried a List-Unsubscribe
    header naming it: a mail provider's one-click POST to it finds no subscription."""
    page = make_page()
    viewers.invite_viewer(None, page, ANA)
    db.session.commit()
    before = address_of(page)
    token = link_token(before.link_id)
    path = unsubscribe_url(token).removeprefix(app.config["PUBLIC_URL"])
    provider = app.test_client(use_cookies=False)
    one_click = provider.post(
        path,
        data={"List-Unsubscribe": "One-Click"},
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 404
    manage = provider.get(f"/subscriptions/{token}")
    assert manage.status_code == 404
    assert "Waiting for confirmation" not in manage.get_data(as_text=True)
    after = address_of(page)
    assert (after.state, after.state_reason) == ("pending", ADDRESS_ONLY)
    assert use_link(app.test_client(), sign_in_path(ANA)).status_code == 302


def test_subscribing_makes_the_address_a_subscriber_with_links_of_its_own(
    app, make_page, make_user, staff, viewer_client
):
    page = make_page()
    client = viewer_client(page)
    invited = address_of(page)
    invited_id, invitation_link_id = invited.id, invited.link_id
    invitation_token = link_token(invitation_link_id)
    subscribe(client)
    subscribed = address_of(page)
    assert subscribed.id == invited_id and subscribed.state == "pending"
    admin = staff(make_user("admin"))
    assert counts(admin)["pending"] == "1"  # asked for by the viewer: now listed
    # No link handed out before the viewer subscribed manages the subscription.
    assert subscribed.link_id != invitation_link_id
    stale = app.test_client(use_cookies=False).post(
        f"/unsubscribe/{invitation_token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert stale.status_code == 404
    assert address_of(page).state == "pending"


def test_a_viewer_who_unsubscribed_stays_unsubscribed_and_still_gets_sign_in_links(
    app, make_page, viewer_client, mailed
):
    page = make_page()
    client = viewer_client(page)
    subscribe(client)
    address = address_of(page)
    address.state, address.state_reason = "unsubscribed", "unsubscribed with the link"
    db.session.commit()
    mailed()
    viewers.invite_viewer(None, page, ANA)
    db.session.commit()
    last = mailed()[-1]
    assert last.recipients == [ANA] and last.message["List-Unsubscribe"] is None
    assert address_of(page).state == "unsubscribed"  # the opt-out stands
    assert use_link(app.test_client(), sign_in_path(ANA)).status_code == 302


def test_removing_the_viewer_or_deleting_the_page_lists_no_unsubscriber(
    make_page, make_user, staff
):
    page = make_page()
    viewers.invite_viewer(None, page, ANA)
    viewers.invite_viewer(None, page, "bob@acme.example")
    db.session.commit()
    viewers.remove_viewer(None, viewers.find_viewer(page, ANA))
    db.session.commit()
    admin = staff(make_user("admin"))
    assert counts(admin) == {"pending": "0", "active": "0", "unsubscribed": "0", "quarantined": "0"}
    services.delete_page(None, page)
    db.session.commit()
    assert counts(admin) == {"pending": "0", "active": "0", "unsubscribed": "0", "quarantined": "0"}
