"""Staff sign-in and sign-out: messages, redirects, rate limiting and CSRF."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app import create_app
from app.models import User
from core.db import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery"
NO_MATCH = "That email and password do not match an active account."
TOO_MANY = re.compile(r"Too many sign-in attempts\. Try again in (\d+ seconds?|1 minute)\.")


def token(client) -> str:
    return CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)


def sign_in(client, email, password=PASSWORD, next_url=None, **kwargs):
    data = {"email": email, "password": password, "csrf_token": token(client)}
    query = {"next": next_url} if next_url is not None else {}
    return client.post("/login", data=data, query_string=query, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return re.findall(r'<li class="flash flash-\w+">([^<]*)</li>', text(response))


@pytest.fixture
def ada(make_user):
    return make_user("admin", email="ada@example.com")


def test_the_sign_in_page_has_a_form_with_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = text(response)
    assert "Staff sign-in" in page
    assert CSRF_RE.search(page)
    assert 'name="email"' in page and 'name="password"' in page


def test_signing_in_opens_the_staff_area_and_records_the_time(client, ada):
    assert ada.last_login_at is None
    response = sign_in(client, "ada@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    page = text(client.get("/admin/"))
    assert "signed in as ada@example.com (Admin)" in page
    assert ada.last_login_at is not None
    # Signed in, the sign-in page sends you on.
    assert client.get("/login").headers["Location"] == "/admin/"


def test_the_email_is_matched_regardless_of_case(client, ada):
    response = sign_in(client, "ADA@Example.COM")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_a_failed_sign_in_says_the_same_thing_whatever_was_wrong(client, ada, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert flashes(response) == [NO_MATCH]
    assert client.get("/admin/").status_code == 302  # not signed in
    assert ada.last_login_at is None


def test_an_inactive_account_fails_like_a_wrong_password(client, make_user):
    make_user(
        "viewer",
        email="gone@example.com",
    ).active = False
    db.session.commit()
    response = sign_in(client, "gone@example.com")
    assert response.status_code == 401
    assert flashes(response) == [NO_MATCH]


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", PASSWORD, "This field is required."),
        ("not-an-email", PASSWORD, "Invalid email address."),
        ("ada@example.com", "", "This field is required."),
    ],
    ids=["no email", "bad email", "no password"],
)
def test_an_incomplete_form_is_a_bad_request_with_the_reason(client, ada, email, password, message):
    response = sign_in(client, email, password)
    assert response.status_code == 400
    assert message in text(response)
    assert client.get("/admin/").status_code == 302


def test_a_sign_in_without_the_csrf_token_is_refused(client, ada):
    response = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "missing its security token" in text(response)
    assert client.get("/admin/").status_code == 302
    assert db.session.scalar(select(User.last_login_at)) is None


def test_a_staff_page_sends_you_to_sign_in_and_back_again(client, ada):
    response = client.get("/admin/incidents?page=2")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    response = sign_in(client, "ada@example.com", next_url="/admin/incidents?page=2")
    assert response.headers["Location"] == "/admin/incidents?page=2"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/steal",
        "http://evil.example",
        "//evil.example/steal",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example/admin",
        "",
    ],
)
def test_next_never_leads_to_another_site(client, ada, next_url):
    response = sign_in(client, "ada@example.com", next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/admin/incidents/7/updates", "/admin/incidents/7"),  # a form's address
        ("/admin/incidents/new", "/admin/incidents/new"),
        ("/admin/no/such/page", "/admin/"),
    ],
)
def test_next_that_is_a_forms_address_leads_to_the_page_above_it(client, ada, next_url, lands_on):
    """Found by a new user: a form posted after the session ended sent them, once signed
    in, to the form's address, which answered 405 Method Not Allowed."""
    response = sign_in(client, "ada@example.com", next_url=next_url)
    assert response.headers["Location"] == lands_on


def test_a_backslash_in_next_cannot_be_read_as_another_host(client, ada):
    response = sign_in(client, "ada@example.com", next_url="/\\evil.example/steal")
    location = response.headers["Location"]
    assert urlsplit(location).netloc == ""
    assert location.startswith("/") and not location.startswith(("//", "/\\"))


def test_signing_out_needs_a_post_with_the_csrf_token(client, ada):
    sign_in(client, "ada@example.com")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 200  # still signed in

    page = client.get("/admin/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": CSRF_RE.search(page).group(1)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"  # which says so at once
    assert "You are signed out." in text(client.get("/login"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


@pytest.fixture
def strict_app(app, database_url):
    """The app built with a lower sign-in rate, as a deployment would set it."""
    strict = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": None,
            "LOGIN_RATE": "3 per minute",
        }
    )
    yield strict
    with strict.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sign_in_attempts_are_rate_limited_per_address(strict_app, ada):
    client = strict_app.test_client()
    for _ in range(3):
        assert sign_in(client, "ada@example.com", "wrong password").status_code == 401
    response = sign_in(client, "ada@example.com")  # even the right password now waits
    assert response.status_code == 429
    wait = TOO_MANY.search(text(response))  # the minute's window: seconds left of it
    assert wait, text(response)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert client.get("/login").status_code == 200  # the page itself is not limited
    assert client.get("/admin/").status_code == 302  # and nobody got in

    elsewhere = strict_app.test_client()
    response = sign_in(elsewhere, "ada@example.com", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_the_default_rate_allows_a_few_honest_mistakes(client, ada, app):
    assert app.config["LOGIN_RATE"] == "10 per minute;50 per hour"
    for _ in range(3):
        assert sign_in(client, "ada@example.com", "typo password").status_code == 401
    assert sign_in(client, "ada@example.com").status_code == 302
