"""Email sign-up is double opt-in: the new subscriber is pending and gets the
confirmation and nothing else, until a person presses Confirm on the emailed link."""

from __future__ import annotations

import re
import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.incidents.services import declare_incident
from core.db import db
from subscribers import registry
from subscribers.links import fingerprint, link_token
from subscribers.models import Broadcast, Delivery
from subscribers.outbox import expand_broadcast


def text_of(response) -> str:
    return response.get_data(as_text=True)


def confirm_path(broadcast: Broadcast) -> str:
    found = re.search(
        r"https://status\.example\.com(/subscribe/confirm/[\w.\-]+)", broadcast.text_body
    )
    assert found, broadcast.text_body
    return found.group(1)


def deliveries_to(subscriber) -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).where(Delivery.subscriber_id == subscriber.id)))


def test_the_status_page_header_links_to_the_sign_up_page(client):
    html = text_of(client.get("/"))
    assert '<a href="/subscribe">Subscribe to updates</a>' in html


def test_the_form_offers_public_components_by_group_and_hides_internal_ones(
    browser, make_component
):
    make_component("API", group="Platform")
    make_component("Dashboard", group="Platform")
    make_component("Billing")
    make_component("Secret database", group="Platform", visibility="internal")
    response = browser.get("/subscribe")
    html = text_of(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert '<label for="address">Email address</label>' in html
    assert 'type="email"' in html
    assert "<legend>Platform</legend>" in html
    assert "All of Platform" in html
    assert "<legend>Other components</legend>" in html
    assert ">API</label>" in html and ">Dashboard</label>" in html and ">Billing</label>" in html
    assert "Secret database" not in html
    # No script but the one that shows times in the visitor's zone; no inline style.
    assert html.count("<script") == 1 and '<script src="/static/localtime.js' in html
    assert "style=" not in html


def test_an_email_sign_up_leaves_a_pending_subscriber_with_one_confirmation_queued(
    browser, subscriber_of, confirmation_of
):
    response = browser.sign_up("email", " Ada@Example.COM ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/subscribe/check-your-email"
    assert "Check your email" in text_of(browser.get(response.headers["Location"]))

    subscriber = subscriber_of("ada@example.com")
    assert subscriber.state == "pending"
    assert subscriber.source == "public"
    assert subscriber.all_components
    confirmation = confirmation_of(subscriber)
    assert confirmation.kind == "confirm_email"
    assert expand_broadcast(confirmation.id) == 1
    assert [d.broadcast_id for d in deliveries_to(subscriber)] == [confirmation.id]


def test_a_pending_subscriber_gets_no_incident_notice_until_confirmed(
    browser, make_component, subscriber_of, confirmation_of
):
    api = make_component("API")
    browser.sign_up("email", "pending@example.com", scope="some", component=str(api.id))
    pending = subscriber_of("pending@example.com")
    assert [s.component_id for s in pending.selections] == [api.id]
    confirmation = confirmation_of(pending)
    expand_broadcast(confirmation.id)
    confirmed = registry.activate(
        registry.subscribe("email", "confirmed@example.com"), "confirmed in the test"
    )
    db.session.commit()

    declare_incident(
        None, "API errors", "major", {api: "major_outage"}, body="Errors.", reviewed=True
    )
    db.session.commit()
    notice = db.session.scalar(select(Broadcast).where(Broadcast.kind == "incident"))
    expand_broadcast(notice.id)

    assert [d.broadcast_id for d in deliveries_to(pending)] == [confirmation.id]
    assert [d.broadcast_id for d in deliveries_to(confirmed)] == [notice.id]


def test_the_answer_is_the_same_for_a_new_a_pending_and_an_active_address(
    browser, subscriber_of, counts
):
    first = browser.sign_up("email", "same@example.com")
    again = browser.sign_up("email", "same@example.com")
    assert first.headers["Location"] == again.headers["Location"]
    assert counts() == (1, 2, 0)  # a pending address gets a fresh confirmation

    registry.activate(subscriber_of("same@example.com"), "confirmed in the test")
    db.session.commit()
    active = browser.sign_up("email", "same@example.com")
    assert (active.status_code, active.headers["Location"]) == (303, first.headers["Location"])
    assert counts() == (1, 2, 0)  # nothing is sent to an active address
    assert subscriber_of("same@example.com").state == "active"


def test_the_emailed_link_shows_a_button_and_only_pressing_it_confirms(
    browser, subscriber_of, confirmation_of
):
    browser.sign_up("email", "grace@example.com")
    subscriber = subscriber_of("grace@example.com")
    path = confirm_path(confirmation_of(subscriber))

    for _ in range(2):  # a mail scanner fetching the link twice changes nothing
        page = browser.get(path)
        assert page.status_code == 200
        assert f'<form method="post" action="{path}">' in text_of(page)
        assert ">Confirm</button>" in text_of(page)
        assert subscriber_of("grace@example.com").state == "pending"

    done = browser.post(path)
    assert done.status_code == 200
    assert "You are subscribed" in text_of(done)
    assert f"/subscriptions/{link_token(subscriber.link_id)}" in text_of(done)
    subscriber = subscriber_of("grace@example.com")
    assert subscriber.state == "active"
    assert subscriber.confirmed_at is not None

    again = browser.get(path)
    assert "Already confirmed" in text_of(again)


def test_an_expired_link_says_so_and_changes_nothing(app, browser, subscriber_of):
    browser.sign_up("email", "late@example.com")
    subscriber = subscriber_of("late@example.com")

    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 24 * 3600

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="subscribe-confirm", signer=EightDaysAgo
    )
    expired = serializer.dumps({"s": subscriber.id, "k": fingerprint(subscriber.link_id)})
    path = f"/subscribe/confirm/{expired}"
    for response in (browser.get(path), browser.post(path)):
        assert response.status_code == 400
        assert "This confirmation link has expired (links last 7 days)" in text_of(response)
        assert ">Confirm</button>" not in text_of(response)
    assert subscriber_of("late@example.com").state == "pending"


def test_a_forged_link_is_refused_and_changes_nothing(browser, subscriber_of, confirmation_of):
    browser.sign_up("email", "eve@example.com")
    subscriber = subscriber_of("eve@example.com")
    path = confirm_path(confirmation_of(subscriber))
    forged = URLSafeTimedSerializer("not-our-key", salt="subscribe-confirm").dumps(
        {"s": subscriber.id, "k": fingerprint(subscriber.link_id)}
    )
    for bad in (path[:-4] + "AAAA", f"/subscribe/confirm/{forged}", "/subscribe/confirm/nonsense"):
        response = browser.post(bad)
        assert response.status_code == 400
        assert "This confirmation link is not valid." in text_of(response)
    assert subscriber_of("eve@example.com").state == "pending"


def test_confirming_needs_the_forms_csrf_token(app, subscriber_of, confirmation_of, browser):
    browser.sign_up("email", "csrf@example.com")
    path = confirm_path(confirmation_of(subscriber_of("csrf@example.com")))
    response = app.test_client().post(path)
    assert response.status_code == 400
    assert subscriber_of("csrf@example.com").state == "pending"
