"""Staff phone numbers in the user admin: optional, stored in E.164 as subscribers' are,
and a number that is not one is refused with a message, changing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import User
from core.db import db

PASSWORD = "a long enough secret"


@pytest.fixture
def admin(make_user, staff):
    return staff(make_user("admin", email="ada@example.com"))


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_a_new_approver_is_given_a_phone_number_stored_in_e164(admin, fill):
    data = fill(
        admin,
        "/admin/users/new",
        email="robin@example.com",
        role="approver",
        team_id="0",
        phone="+44 7911 123456",
        password=PASSWORD,
    )
    assert admin.post("/admin/users/new", data=data).status_code == 302
    assert user_by_email("robin@example.com").phone == "+447911123456"


def test_a_phone_number_can_be_changed_and_removed(admin, make_user, fill):
    robin = make_user("approver", email="robin@example.com")
    url = f"/admin/users/{robin.id}"
    assert admin.post(url, data=fill(admin, url, phone="+44 7911 123456")).status_code == 302
    assert user_by_email("robin@example.com").phone == "+447911123456"
    assert 'value="+447911123456"' in admin.get(url).get_data(as_text=True)
    assert admin.post(url, data=fill(admin, url, phone="")).status_code == 302
    assert user_by_email("robin@example.com").phone == ""


@pytest.mark.parametrize("phone", ["12345", "call me", "+44 7911"])
def test_a_number_that_is_not_a_phone_number_is_refused_and_changes_nothing(
    admin, make_user, fill, text, phone
):
    robin = make_user("approver", email="robin@example.com", phone="+44 7911 123456")
    url = f"/admin/users/{robin.id}"
    response = admin.post(url, data=fill(admin, url, phone=phone, name="Renamed"))
    assert response.status_code == 400
    assert "is not a valid phone number" in text(response) or "is not a phone number" in text(
        response
    )
    robin = user_by_email("robin@example.com")
    assert (robin.phone, robin.name) == ("+447911123456", "")
    response = admin.post(
        "/admin/users/new",
        data=fill(
            admin,
            "/admin/users/new",
            email="sam@example.com",
            role="approver",
            team_id="0",
            phone=phone,
            password=PASSWORD,
        ),
    )
    assert response.status_code == 400
    assert user_by_email("sam@example.com") is None
