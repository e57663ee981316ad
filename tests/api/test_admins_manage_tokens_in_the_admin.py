"""/admin/api-tokens: admins list tokens (never the tokens themselves), make one for a
user (shown once) and revoke them; nobody else may."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.api.tokens import create_token
from app.models import ApiToken
from core.db import db
from core.vocab import ROLES
from tests.api.helpers import ApiClient, error_of

SHOWN = re.compile(r'<code id="new-token">(hrld_[^<]+)</code>')


def test_an_admin_makes_a_token_for_a_user_and_sees_it_once(app, world, make_user, staff):
    admin = staff(make_user("admin"))
    response = admin.post(
        "/admin/api-tokens", data={"user_id": world["lead"].id, "name": "Deploy bot"}
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    plain = SHOWN.search(response.get_data(as_text=True)).group(1)
    assert 'value="Deploy bot"' not in response.get_data(as_text=True)  # the form is fresh
    token = db.session.scalars(select(ApiToken)).one()
    assert (token.user_id, token.name) == (world["lead"].id, "Deploy bot")
    assert token.token_hash != plain
    # It works, with the lead's role.
    client = ApiClient(app.test_client(), plain)
    assert client.get("/api/v1/incidents/nothing").status_code == 404
    # The list shows the prefix, never the token again.
    page = admin.get("/admin/api-tokens").get_data(as_text=True)
    assert token.prefix in page and "Deploy bot" in page and world["lead"].email in page
    assert plain not in page and "new-token" not in page


def test_an_admin_revokes_a_token(app, world, make_user, staff):
    token, plain = create_token(world["lead"], "CI")
    db.session.commit()
    admin = staff(make_user("admin"))
    response = admin.post("/admin/api-tokens/revoke", data={"token_id": token.id})
    assert response.status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    page = admin.get("/admin/api-tokens").get_data(as_text=True)
    assert f"Revoked API token {token.prefix}" in page
    error_of(ApiClient(app.test_client(), plain).get("/api/v1/incidents/nothing"), 401)


def test_bad_token_forms_are_refused_and_change_nothing(app, world, make_user, staff):
    admin = staff(make_user("admin"))
    assert admin.post("/admin/api-tokens", data={"user_id": 9999}).status_code == 400
    response = admin.post(
        "/admin/api-tokens", data={"user_id": world["lead"].id, "name": "n" * 121}
    )
    assert response.status_code == 400
    assert admin.post("/admin/api-tokens/revoke", data={"token_id": 9999}).status_code == 404
    assert admin.post("/admin/api-tokens/revoke", data={}).status_code == 400
    assert db.session.scalars(select(ApiToken)).all() == []


def test_only_admins_see_the_page_and_its_link(app, world, make_user, staff):
    for role in ROLES:
        client = staff(make_user(role))
        page = client.get("/admin/").get_data(as_text=True)
        allowed = role == "admin"
        assert ('href="/admin/api-tokens"' in page) == allowed
        assert client.get("/admin/api-tokens").status_code == (200 if allowed else 403)
        response = client.post("/admin/api-tokens", data={"user_id": world["lead"].id})
        assert response.status_code == (201 if allowed else 403)
    assert len(db.session.scalars(select(ApiToken)).all()) == 1
