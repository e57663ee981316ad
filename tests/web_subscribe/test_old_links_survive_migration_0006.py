"""Migration 0006 hashes the plain link tokens in place: links sent before it still
work afterwards, and the database no longer holds any of those tokens."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from app import create_app
from core.db import db

OLD_ACTIVE = "oldPlainTokenOfAnActiveSubscriber0123456789"
OLD_PENDING = "oldPlainTokenOfAPendingSubscriber012345678"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def _insert_before_0006() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    db.session.execute(
        text(
            "INSERT INTO audiences (id, key, name, visibility, tone, needs_approval, priority,"
            " default_channels, cadence, description, sms_max_segments, page_max_chars,"
            " created_at) VALUES (1, 'customers', 'Customers', 'public', 'plain', 1, 10,"
            " '[\"email\"]', '{}', '', 2, 1500, :now)"
        ),
        {"now": now},
    )
    for sid, address, state, token in (
        (1, "old@example.com", "active", OLD_ACTIVE),
        (2, "waiting@example.com", "pending", OLD_PENDING),
    ):
        db.session.execute(
            text(
                "INSERT INTO subscribers (id, channel, address, audience_id, all_components,"
                " state, state_reason, key_account, name, token, secret, confirm_code_hash,"
                " source, failure_count, created_at, updated_at) VALUES (:id, 'email',"
                " :address, 1, 1, :state, '', 0, '', :token, '', '', 'public', 0, :now, :now)"
            ),
            {"id": sid, "address": address, "state": state, "token": token, "now": now},
        )
    db.session.commit()


@pytest.fixture
def migrated(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": "https://status.example.com",
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        upgrade(revision="0005")
        _insert_before_0006()
        upgrade(revision="0006")
        upgrade()  # and on to today's schema, which the pages read
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_plain_tokens_are_gone_and_the_old_links_still_work(migrated):
    stored = [
        str(value)
        for row in db.session.execute(text("SELECT * FROM subscribers")).all()
        for value in row
    ]
    assert not [value for value in stored if OLD_ACTIVE in value or OLD_PENDING in value]
    assert hashlib.sha256(OLD_ACTIVE.encode()).hexdigest() in stored

    client = migrated.test_client(use_cookies=False)
    manage = client.get(f"/subscriptions/{OLD_ACTIVE}")
    assert manage.status_code == 200
    assert "<dt>Email</dt><dd>old@example.com</dd>" in text_of(manage)
    gone = client.post(f"/unsubscribe/{OLD_ACTIVE}", data={"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 200
    state = db.session.execute(text("SELECT state FROM subscribers WHERE id = 1")).scalar()
    assert state == "unsubscribed"
    assert client.get(f"/subscriptions/{OLD_ACTIVE[:-1]}X").status_code == 404


def test_a_confirmation_emailed_before_0006_still_confirms(migrated):
    # What the confirmation link carried before 0006: the id and a digest of the token.
    old_print = hashlib.sha256(OLD_PENDING.encode()).hexdigest()[:16]
    link = URLSafeTimedSerializer("test-secret", salt="subscribe-confirm").dumps(
        {"s": 2, "k": old_print}
    )
    client = migrated.test_client()
    page = client.get(f"/subscribe/confirm/{link}")
    assert page.status_code == 200, text_of(page)
    token = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"')[0]
    done = client.post(f"/subscribe/confirm/{link}", data={"csrf_token": token})
    assert "You are subscribed" in text_of(done)
    state = db.session.execute(text("SELECT state FROM subscribers WHERE id = 2")).scalar()
    assert state == "active"
