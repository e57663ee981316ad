"""Staff sessions: cookie attributes, HSTS, and sign-out that really ends a session.

A saved cookie is replayed in a fresh client, as someone who copied it would, to prove
the server refuses it and not merely that the browser forgot it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from app import accounts, create_app
from app.models.users import StaffSession
from config import load_config
from core.db import db
from core.time import utcnow

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery"
HSTS = "max-age=31536000; includeSubDomains"


def csrf(client, path="/login") -> str:
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, email="ada@example.com", remember=False):
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def sign_out(client):
    response = client.post("/logout", data={"csrf_token": csrf(client, "/admin/")})
    assert response.status_code == 302
    return response


def signed_in(client) -> bool:
    response = client.get("/admin/")
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/login"
        return False
    assert response.status_code == 200
    return True


def replay(app, name: str, value: str):
    """A fresh client holding only one saved cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def assert_all_revoked():
    revoked = db.session.scalars(select(StaffSession.revoked_at)).all()
    assert revoked and None not in revoked


def set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.fixture
def ada(make_user):
    return make_user("admin", email="ada@example.com")


def app_at(monkeypatch, database_url, public_url):
    monkeypatch.setenv("HERALD_PUBLIC_URL", public_url)
    monkeypatch.delenv("HERALD_SESSION_COOKIE_SECURE", raising=False)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": None,
            "CACHE_CHECK_SECONDS": 60,  # let the fast path answer a fresh page
        }
    )


@pytest.fixture
def https_app(app, database_url, monkeypatch):
    served = app_at(monkeypatch, database_url, "https://status.example.com")
    yield served
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def http_app(app, database_url, monkeypatch):
    served = app_at(monkeypatch, database_url, "http://127.0.0.1:5000")
    yield served
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


def test_cookies_are_secure_lax_http_only_and_remembered_for_at_most_30_days_on_https(
    https_app, ada
):
    response = sign_in(https_app.test_client(), remember=True)
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        attributes = [part.strip().lower() for part in cookies[name].split(";")]
        assert "secure" in attributes, cookies[name]
        assert "httponly" in attributes, cookies[name]
        assert "samesite=lax" in attributes, cookies[name]
    remember = dict(
        part.strip().split("=", 1)
        for part in cookies["remember_token"].split(";")[1:]
        if "=" in part
    )
    expires = parsedate_to_datetime(remember["Expires"])
    assert datetime.now(UTC) + timedelta(days=29) < expires
    assert expires <= datetime.now(UTC) + timedelta(days=30, minutes=1)
    if "Max-Age" in remember:
        assert int(remember["Max-Age"]) <= 30 * 24 * 3600


def test_cookies_are_not_secure_on_a_plain_http_public_url(http_app, ada):
    response = sign_in(http_app.test_client(), remember=True)
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        attributes = [part.strip().lower() for part in cookies[name].split(";")]
        assert "secure" not in attributes
        assert "samesite=lax" in attributes


def test_hsts_is_sent_on_every_response_when_the_public_url_is_https(https_app, ada):
    client = https_app.test_client()
    responses = [
        client.get("/login"),
        client.get("/"),
        client.get("/"),  # answered from the page cache by the WSGI fast path
        client.get("/no/such/page"),
        sign_in(client),
        client.get("/admin/"),
    ]
    assert https_app.wsgi_app.served == 1
    for response in responses:
        assert response.headers.get("Strict-Transport-Security") == HSTS, response.request.path


def test_hsts_is_not_sent_when_the_public_url_is_http(http_app, ada):
    client = http_app.test_client()
    responses = [client.get("/login"), client.get("/"), client.get("/"), sign_in(client)]
    assert http_app.wsgi_app.served == 1
    for response in responses:
        assert "Strict-Transport-Security" not in response.headers


def test_a_session_cookie_saved_before_sign_out_is_refused_after_it(app, client, ada):
    sign_in(client)
    saved = client.get_cookie("session").value
    assert signed_in(replay(app, "session", saved))  # the copy works while signed in

    sign_out(client)
    assert not signed_in(client)
    assert not signed_in(replay(app, "session", saved))


def test_a_remember_me_cookie_saved_before_sign_out_is_refused_after_it(app, client, ada):
    sign_in(client, remember=True)
    saved = client.get_cookie("remember_token").value
    assert signed_in(replay(app, "remember_token", saved))  # it restores a session

    sign_out(client)
    assert not signed_in(replay(app, "remember_token", saved))
    assert_all_revoked()


def test_signing_out_ends_only_that_session(app, ada):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    sign_out(laptop)
    assert not signed_in(laptop)
    assert signed_in(phone)


def test_the_account_page_lists_the_active_sessions(app, ada):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, remember=True)
    sign_in(phone)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Signed-in sessions" in page
    assert page.count('class="staff-session"') == 2
    assert "this device" in page
    sign_out(phone)
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count('class="staff-session"') == 1


def test_the_account_page_needs_a_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_sign_out_everywhere_ends_every_session_until_a_fresh_sign_in(app, ada):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone, remember=True)
    saved = phone.get_cookie("remember_token").value

    response = laptop.post(
        "/account/sign-out-everywhere", data={"csrf_token": csrf(laptop, "/account")}
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert "You are signed out on every device." in laptop.get("/login").get_data(as_text=True)
    assert not signed_in(phone)
    assert not signed_in(laptop)
    assert not signed_in(replay(app, "remember_token", saved))

    sign_in(laptop)
    response = laptop.get("/account")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="staff-session"') == 1


def test_sign_out_everywhere_needs_a_post_with_the_csrf_token(app, ada):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    assert laptop.get("/account/sign-out-everywhere").status_code == 405
    response = laptop.post("/account/sign-out-everywhere")
    assert response.status_code == 400
    assert "missing its security token" in response.get_data(as_text=True)
    assert signed_in(laptop) and signed_in(phone)
    assert db.session.scalars(select(StaffSession.revoked_at)).all() == [None, None]


def test_a_password_change_ends_the_other_sessions(app, ada):
    phone = app.test_client()
    sign_in(phone, remember=True)
    saved = phone.get_cookie("remember_token").value
    accounts.update_user(None, ada, password="a brand new passphrase")
    db.session.commit()
    assert not signed_in(phone)
    assert not signed_in(replay(app, "remember_token", saved))
    assert_all_revoked()


def test_deactivating_a_user_ends_their_sessions(app, ada, make_user):
    phone = app.test_client()
    sign_in(phone)
    accounts.update_user(None, ada, active=False)
    db.session.commit()
    assert not signed_in(phone)
    assert_all_revoked()


def test_an_expired_session_is_refused_even_with_a_valid_cookie(app, client, ada):
    sign_in(client, remember=True)
    saved = client.get_cookie("remember_token").value
    db.session.execute(update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not signed_in(client)
    assert not signed_in(replay(app, "remember_token", saved))


def test_both_cookies_follow_an_explicit_secure_setting_and_hsts_follows_the_public_url():
    settings = load_config(
        {
            "HERALD_ENV": "testing",
            "HERALD_PUBLIC_URL": "https://status.example.com",
            "HERALD_SESSION_COOKIE_SECURE": "false",
        }
    )
    assert settings["SESSION_COOKIE_SECURE"] is settings["REMEMBER_COOKIE_SECURE"] is False
    assert settings["HSTS"] is True
    assert settings["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    assert load_config({"HERALD_ENV": "testing"})["HSTS"] is False


def test_the_worker_forgets_sessions_that_ended_a_week_ago_and_keeps_the_rest(app, client, ada):
    from app.staff_sessions import SESSION_RECORDS_KEPT
    from subscribers.worker import run_periodic_jobs

    sign_in(client)
    sign_out(client)  # ended now: kept
    sign_in(app.test_client())  # open: kept
    old = session_records(ada)
    now = utcnow()
    db.session.add_all(
        [
            StaffSession(
                user_id=ada.id,
                token_hash=f"{n:064d}",
                created_at=now - SESSION_RECORDS_KEPT * 3,
                expires_at=expires,
                revoked_at=revoked,
            )
            for n, (expires, revoked) in enumerate(
                [
                    (now - SESSION_RECORDS_KEPT - timedelta(hours=1), None),  # expired long ago
                    (now + timedelta(days=1), now - SESSION_RECORDS_KEPT * 2),  # signed out
                ]
            )
        ]
    )
    db.session.commit()
    run_periodic_jobs(app)
    db.session.expire_all()
    left = db.session.scalars(select(StaffSession).where(StaffSession.user_id == ada.id)).all()
    assert len(left) == old
    assert all(not s.token_hash.startswith("0000") for s in left)


def session_records(user) -> int:
    return len(
        db.session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)).all()
    )


def test_a_session_without_keep_me_signed_in_ends_after_a_working_day(app, ada):
    from app.staff_sessions import UNREMEMBERED_LIFETIME

    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, remember=True)
    sign_in(phone)
    records = db.session.scalars(select(StaffSession).order_by(StaffSession.id)).all()
    lifetimes = [record.expires_at - record.created_at for record in records]
    assert lifetimes == [app.config["REMEMBER_COOKIE_DURATION"], UNREMEMBERED_LIFETIME]


def test_one_session_is_signed_out_from_the_account_page_and_the_others_stay(app, ada):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone, remember=True)
    phone_record = db.session.scalars(select(StaffSession).order_by(StaffSession.id)).all()[1]
    page = laptop.get("/account").get_data(as_text=True)
    assert f'action="/account/sessions/{phone_record.id}/sign-out"' in page
    response = laptop.post(
        f"/account/sessions/{phone_record.id}/sign-out",
        data={"csrf_token": csrf(laptop, "/account")},
    )
    assert response.status_code == 302
    assert not signed_in(phone)
    assert signed_in(laptop)
    # Without the CSRF token nothing ends; someone else's session is not ours to end.
    laptop_record = db.session.scalars(select(StaffSession).order_by(StaffSession.id)).all()[0]
    assert laptop.post(f"/account/sessions/{laptop_record.id}/sign-out").status_code == 400
    assert signed_in(laptop)


def test_signing_out_this_session_from_the_account_page_signs_out_here(app, ada, make_user):
    laptop = app.test_client()
    sign_in(laptop)
    other = app.test_client()
    make_user("responder", email="bob@example.com")
    sign_in(other, email="bob@example.com")
    ada_record, bob_record = db.session.scalars(select(StaffSession).order_by(StaffSession.id))
    # Ada cannot end Bob's session: it is not listed for her and the address does nothing.
    token = csrf(laptop, "/account")
    laptop.post(f"/account/sessions/{bob_record.id}/sign-out", data={"csrf_token": token})
    assert signed_in(other)
    response = laptop.post(
        f"/account/sessions/{ada_record.id}/sign-out", data={"csrf_token": token}
    )
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert not signed_in(laptop)


def test_sessions_are_named_by_browser_and_system(app, ada):
    from app.staff_sessions import device_name

    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
    safari = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
    )
    assert device_name(StaffSession(user_agent=firefox)) == "Firefox on Windows"
    assert device_name(StaffSession(user_agent=safari)) == "Safari on iOS"
    assert device_name(StaffSession(user_agent="")) == "Unknown browser"
