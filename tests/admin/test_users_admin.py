"""Staff users and teams through the admin forms (admins only)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Team, User
from core.db import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NEW_PASSWORD = "a long enough secret"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def sign_in(client, email: str, password: str):
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def ada(make_user):
    return make_user("admin", email="ada@example.com")


@pytest.fixture
def admin(ada, staff):
    return staff(ada)


def test_an_admin_creates_a_user_who_can_then_sign_in(admin, fill, text, app):
    team = Team(name="Platform")
    db.session.add(team)
    db.session.commit()
    data = fill(
        admin,
        "/admin/users/new",
        email="Casey@Example.com",
        name="Casey Comms",
        role="comms_lead",
        team_id=str(team.id),
        password=NEW_PASSWORD,
    )
    response = admin.post("/admin/users/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    casey = user_by_email("casey@example.com")  # stored normalised
    assert (casey.name, casey.role, casey.team_id, casey.active) == (
        "Casey Comms",
        "comms_lead",
        team.id,
        True,
    )
    assert casey.password_hash != NEW_PASSWORD
    page = text(admin.get("/admin/users"))
    assert "casey@example.com" in page
    assert "Communications lead" in page

    newcomer = app.test_client()
    assert sign_in(newcomer, "casey@example.com", NEW_PASSWORD).status_code == 302
    assert newcomer.get("/admin/incidents/new").status_code == 200
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.actor != "system")
    )
    assert (event.actor, event.target_id) == ("ada@example.com", casey.id)
    assert "Created user casey@example.com as comms_lead" in text(admin.get("/admin/audit"))


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"email": "not-an-email"}, 400, "Email: Invalid email address."),
        ({"email": ""}, 400, "Email: This field is required."),
        ({"password": "short"}, 400, "Password: Field must be between 10 and 200 characters long."),
        ({"password": ""}, 400, "a new user needs a password of at least 10 characters"),
        ({"email": "Viewer@Example.com"}, 409, "There is already a user with the email"),
        ({"role": "overlord"}, 400, "Role: Not a valid choice."),
        ({"team_id": "999"}, 400, "Team: Not a valid choice."),
    ],
    ids=["bad email", "no email", "short password", "no password", "duplicate", "role", "team"],
)
def test_bad_user_input_is_refused_with_a_message_and_creates_nothing(
    admin, make_user, fill, text, changes, status, message
):
    make_user("viewer", email="viewer@example.com")
    users, events = count(User), count(AuditEvent)
    fields = {"email": "new@example.com", "role": "viewer", "password": NEW_PASSWORD, **changes}
    response = admin.post("/admin/users/new", data=fill(admin, "/admin/users/new", **fields))
    assert response.status_code == status
    assert message in text(response)
    assert (count(User), count(AuditEvent)) == (users, events)
    assert user_by_email("new@example.com") is None


def test_changing_a_role_takes_effect_on_the_users_next_request(
    admin, make_user, staff, fill, text
):
    vic = make_user("viewer", email="vic@example.com")
    vic_client = staff(vic)
    assert vic_client.get("/admin/incidents/new").status_code == 403
    url = f"/admin/users/{vic.id}"
    data = fill(admin, url, role="responder")
    assert data["password"] == ""  # left empty: the password is kept
    response = admin.post(url, data=data, follow_redirects=True)
    assert "Saved vic@example.com." in text(response)
    assert vic.role == "responder"
    assert vic_client.get("/admin/incidents/new").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert (event.actor, event.changes) == ("ada@example.com", {"role": ["viewer", "responder"]})
    assert "viewer → responder" in text(admin.get("/admin/audit?target=user"))


def test_a_deactivated_users_session_stops_working_and_they_cannot_sign_in(
    admin, make_user, staff, fill, text, app
):
    rafael = make_user("responder", email="rafael@example.com")
    rafael_client = staff(rafael)
    assert rafael_client.get("/admin/").status_code == 200
    url = f"/admin/users/{rafael.id}"
    response = admin.post(url, data=fill(admin, url, active=None))  # unticked
    assert response.status_code == 302
    assert rafael.active is False

    response = rafael_client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    response = rafael_client.post("/admin/teams/new", data={"name": "Sneaky"})
    assert response.status_code == 302  # to sign-in: a form still carrying a token is no way in
    assert count(Team) == 0
    response = sign_in(app.test_client(), "rafael@example.com", "correct horse battery")
    assert response.status_code == 401
    assert "That email and password do not match an active account." in text(response)
    assert "inactive" in text(admin.get("/admin/users"))


def test_a_new_password_set_by_an_admin_signs_the_user_out_everywhere(
    admin, make_user, staff, fill, app
):
    vic = make_user("viewer", email="vic@example.com")
    vic_client = staff(vic)
    url = f"/admin/users/{vic.id}"
    assert admin.post(url, data=fill(admin, url, password=NEW_PASSWORD)).status_code == 302
    assert vic_client.get("/admin/").status_code == 302
    assert sign_in(app.test_client(), "vic@example.com", NEW_PASSWORD).status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.changes == {"password": ["(hidden)", "(changed)"]}  # never the password


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "viewer"}, "You cannot change your own role."),
        ({"active": None}, "You cannot deactivate yourself."),
    ],
    ids=["demote", "deactivate"],
)
def test_an_admin_cannot_demote_or_deactivate_themself(admin, ada, fill, text, changes, message):
    url = f"/admin/users/{ada.id}"
    events = count(AuditEvent)
    response = admin.post(url, data=fill(admin, url, **changes))
    assert response.status_code == 400
    assert message in text(response)
    assert (ada.role, ada.active) == ("admin", True)
    assert count(AuditEvent) == events
    assert admin.get("/admin/users").status_code == 200  # still signed in, still admin


def test_a_user_cannot_take_another_users_email(admin, make_user, fill, text):
    make_user("viewer", email="vic@example.com")
    rafael = make_user("responder", email="rafael@example.com")
    url = f"/admin/users/{rafael.id}"
    response = admin.post(url, data=fill(admin, url, email="VIC@example.com"))
    assert response.status_code == 409
    assert "There is already a user with the email vic@example.com." in text(response)
    assert rafael.email == "rafael@example.com"


def test_teams_are_created_listed_and_edited(admin, fill, text):
    data = fill(
        admin,
        "/admin/teams/new",
        name="Payments",
        description="Cards and payouts",
        contact_email="payments@example.com",
    )
    response = admin.post("/admin/teams/new", data=data, follow_redirects=True)
    assert "Created team Payments." in text(response)
    team = db.session.scalar(select(Team))
    assert (team.name, team.description, team.contact_email) == (
        "Payments",
        "Cards and payouts",
        "payments@example.com",
    )
    assert "payments@example.com" in text(admin.get("/admin/users"))

    url = f"/admin/teams/{team.id}"
    data = fill(admin, url, name="Payments platform")
    assert data["contact_email"] == "payments@example.com"  # the form shows stored values
    response = admin.post(url, data=data, follow_redirects=True)
    assert "Saved team Payments platform." in text(response)
    assert team.name == "Payments platform"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "team.update"))
    assert (event.actor, event.changes) == (
        "ada@example.com",
        {"name": ["Payments", "Payments platform"]},
    )


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"name": "payments"}, 409, "There is already a team called 'payments'."),
        ({"name": ""}, 400, "Name: This field is required."),
        ({"contact_email": "nobody"}, 400, "Contact email: Invalid email address."),
    ],
    ids=["duplicate", "no name", "bad contact"],
)
def test_bad_team_input_is_refused_on_create_and_on_edit(
    admin, fill, text, changes, status, message
):
    payments = Team(name="Payments")
    risk = Team(name="Risk", contact_email="risk@example.com")
    db.session.add_all([payments, risk])
    db.session.commit()
    teams, events = count(Team), count(AuditEvent)
    data = fill(admin, "/admin/teams/new", **{"name": "Support", **changes})
    response = admin.post("/admin/teams/new", data=data)
    assert response.status_code == status
    assert message in text(response)
    assert (count(Team), count(AuditEvent)) == (teams, events)

    url = f"/admin/teams/{risk.id}"
    response = admin.post(url, data=fill(admin, url, **changes))
    assert response.status_code == status
    assert message in text(response)
    assert (risk.name, risk.contact_email) == ("Risk", "risk@example.com")
    assert count(AuditEvent) == events


def test_creating_a_user_without_the_csrf_token_is_refused_and_changes_nothing(admin, text):
    users = count(User)
    response = admin.client.post(
        "/admin/users/new",
        data={
            "email": "new@example.com",
            "role": "admin",
            "password": NEW_PASSWORD,
            "team_id": "0",
        },
    )
    assert response.status_code == 400
    assert "Nothing was changed" in text(response)
    assert count(User) == users
