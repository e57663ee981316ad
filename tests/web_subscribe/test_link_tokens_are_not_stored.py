"""The manage and unsubscribe links carry a token that the database does not hold: a
copy of the subscribers table opens no subscription, and a forged or altered token is
refused without changing anything."""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import quote

import pytest
from itsdangerous import Signer
from sqlalchemy import text

from core.db import db
from subscribers.links import link_token, read_link_token
from subscribers.models import Subscriber

LINK_RE = re.compile(r"/subscriptions/([^\"'<>\s/]+)")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def every_stored_value() -> list[str]:
    """Each column of each subscriber row, as the database returns it."""
    rows = db.session.execute(text("SELECT * FROM subscribers")).all()
    return [str(value) for row in rows for value in row if value is not None]


@pytest.fixture
def sent_token(browser, subscriber_of, confirmation_of):
    """The token of the manage link shown once an emailed confirmation is pressed."""
    browser.sign_up("email", "ada@example.com")
    subscriber = subscriber_of("ada@example.com")
    body = confirmation_of(subscriber).text_body
    confirm = re.search(r"https://status\.example\.com(/subscribe/confirm/\S+)", body).group(1)
    done = browser.post(confirm)
    assert "You are subscribed" in text_of(done)
    return LINK_RE.search(text_of(done)).group(1)


def test_no_subscriber_row_holds_the_token_a_sent_link_carries(sent_token):
    stored = every_stored_value()
    assert stored
    assert not [value for value in stored if sent_token in value]
    signature = sent_token.rsplit(".", 1)[-1]
    assert not [value for value in stored if signature in value]


def test_a_sent_link_still_opens_the_manage_page_and_unsubscribes(
    browser, sent_token, subscriber_of
):
    manage = browser.get(f"/subscriptions/{sent_token}")
    assert manage.status_code == 200
    assert "<dt>Email</dt><dd>ada@example.com</dd>" in text_of(manage)
    assert f'action="/unsubscribe/{sent_token}"' in text_of(manage)
    assert browser.post(f"/unsubscribe/{sent_token}").status_code == 200
    assert subscriber_of("ada@example.com").state == "unsubscribed"


def test_values_from_the_database_and_altered_tokens_are_refused_and_change_nothing(
    app, browser, sent_token, subscriber_of
):
    # Every stored value long enough to be a token: the link id and the hashes too.
    stolen = [value for value in every_stored_value() if len(value) >= 16]
    link_id, signature = sent_token.rsplit(".", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    middle = len(signature) // 2
    flipped = (
        signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1 :]
    )
    # The last character of 32 bytes in base64 has two spare bits: this spelling decodes
    # to the very same signature and must be refused all the same.
    spare = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    other_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "not-our-key"
    with app.test_request_context():
        from subscribers.links import link_token

        signed_elsewhere = link_token(link_id)
    app.config["SECRET_KEY"] = other_key
    bad = [
        f"{link_id}.{flipped}",
        f"{link_id}.{spare}",
        link_id,
        f"{link_id}.",
        signed_elsewhere,
        *stolen,
    ]
    before = subscriber_of("ada@example.com")
    snapshot = (before.state, before.state_reason, before.updated_at)
    for token in [quote(value, safe="") for value in bad]:
        for response in (
            browser.get(f"/subscriptions/{token}"),
            browser.post(f"/subscriptions/{token}", {"scope": "some"}),
            app.test_client(use_cookies=False).post(
                f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
            ),
        ):
            assert response.status_code == 404, token
            assert "This link is not valid" in text_of(response)
    after = subscriber_of("ada@example.com")
    assert (after.state, after.state_reason, after.updated_at) == snapshot
    assert db.session.get(Subscriber, after.id).all_components


def test_a_link_token_is_what_itsdangerous_signs_so_links_already_sent_keep_working(app):
    signer = Signer(app.config["SECRET_KEY"], salt="subscriber-link", digest_method=hashlib.sha256)
    for link_id in ("abc", secrets.token_urlsafe(16)):
        assert link_token(link_id) == signer.sign(link_id).decode()
        assert read_link_token(link_token(link_id)) == link_id


def test_a_new_secret_key_signs_new_tokens_and_refuses_the_old_ones(app):
    old = link_token("abc")
    app.config["SECRET_KEY"] = "another-secret"
    assert link_token("abc") != old
    assert read_link_token(old) is None
    assert read_link_token(link_token("abc")) == "abc"
