"""`herald create-token`, `revoke-token` and `list-tokens`: the token is printed once,
only its hash is stored, and mistakes get a clear message and a non-zero exit."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import accounts
from app.models import ApiToken, Base
from core.db import db
from tests.api.helpers import ApiClient, error_of

TOKEN = re.compile(r"^hrld_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$", re.MULTILINE)


def herald(runner, *args):
    result = runner.invoke(args=list(args))
    db.session.expire_all()
    return result


def created_token(result) -> str:
    assert result.exit_code == 0, result.output
    [plain] = TOKEN.findall(result.stdout)
    return plain


def everything_stored() -> str:
    """Every value of every row of every table, as one text."""
    rows = []
    for table in Base.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in db.session.execute(select(table))]
    return "\n".join(rows)


def test_create_token_prints_the_token_once_with_a_warning(app, runner, world):
    result = herald(runner, "create-token", world["lead"].email, "--name", "PagerDuty")
    plain = created_token(result)
    assert "Store it now" in result.stderr and "cannot show it again" in result.stderr
    [token] = db.session.scalars(select(ApiToken)).all()
    assert (token.user_id, token.name, token.prefix) == (world["lead"].id, "PagerDuty", plain[5:13])
    # The token works for the API, with the lead's role.
    client = ApiClient(app.test_client(), plain)
    response = client.patch(
        f"/api/v1/components/{world['api'].public_id}", json={"status": "major_outage"}
    )
    assert response.status_code == 200


def test_the_database_never_holds_the_plain_token(app, runner, world):
    plain = created_token(herald(runner, "create-token", world["lead"].email))
    ApiClient(app.test_client(), plain).get("/api/v1/incidents/nothing")
    stored = everything_stored()
    secret = plain.rsplit("_", 1)[1]
    assert plain not in stored and secret not in stored
    token = db.session.scalars(select(ApiToken)).one()
    assert len(token.token_hash) == 64 and token.token_hash in stored
    assert token.last_used_at is not None


def test_create_token_for_an_unknown_email_fails_clearly(runner, world):
    result = herald(runner, "create-token", "nobody@example.com")
    assert result.exit_code != 0
    assert "No user with the email nobody@example.com" in result.output
    assert db.session.scalars(select(ApiToken)).all() == []


def test_create_token_for_a_deactivated_user_fails_clearly(runner, world, make_user):
    accounts.update_user(make_user("admin"), world["viewer"], active=False)
    db.session.commit()
    result = herald(runner, "create-token", world["viewer"].email)
    assert result.exit_code != 0 and "deactivated" in result.output
    assert db.session.scalars(select(ApiToken)).all() == []


def test_revoke_token_stops_it_working(app, runner, world):
    plain = created_token(herald(runner, "create-token", world["lead"].email))
    prefix = plain[5:13]
    result = herald(runner, "revoke-token", prefix)
    assert result.exit_code == 0, result.output
    assert f"Revoked API token {prefix} of {world['lead'].email}" in result.output
    response = ApiClient(app.test_client(), plain).get("/api/v1/incidents/nothing")
    error_of(response, 401)
    # Revoking again says so and changes nothing.
    result = herald(runner, "revoke-token", prefix)
    assert result.exit_code == 0 and "already revoked" in result.output


def test_revoke_token_takes_the_whole_token_too(runner, world):
    plain = created_token(herald(runner, "create-token", world["lead"].email))
    assert herald(runner, "revoke-token", plain).exit_code == 0
    assert db.session.scalars(select(ApiToken)).one().revoked_at is not None


def test_revoke_token_with_an_unknown_prefix_fails_clearly(runner, world):
    created_token(herald(runner, "create-token", world["lead"].email))
    result = herald(runner, "revoke-token", "deadbeef")
    assert result.exit_code != 0
    assert "No API token with the prefix 'deadbeef'" in result.output
    assert db.session.scalars(select(ApiToken)).one().revoked_at is None


def test_list_tokens_shows_prefixes_users_and_states_never_the_tokens(runner, world):
    lead = created_token(herald(runner, "create-token", world["lead"].email, "--name", "CI"))
    viewer = created_token(herald(runner, "create-token", world["viewer"].email))
    herald(runner, "revoke-token", viewer[5:13])
    result = herald(runner, "list-tokens")
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert set(lines) == {lead[5:13], viewer[5:13]}
    assert world["lead"].email in lines[lead[5:13]] and "active" in lines[lead[5:13]]
    assert lines[lead[5:13]].endswith("CI")
    assert "revoked" in lines[viewer[5:13]]
    assert lead not in result.output and viewer not in result.output


def test_list_tokens_of_one_user(runner, world):
    lead = created_token(herald(runner, "create-token", world["lead"].email))
    created_token(herald(runner, "create-token", world["viewer"].email))
    result = herald(runner, "list-tokens", world["lead"].email)
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == [lead[5:13]]
    result = herald(runner, "list-tokens", "nobody@example.com")
    assert result.exit_code != 0 and "No user with the email" in result.output


def test_list_tokens_with_none_says_so(runner, world):
    result = herald(runner, "list-tokens")
    assert result.exit_code == 0 and "No API tokens." in result.output
