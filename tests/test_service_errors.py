"""Each service error names its HTTP status once (core/errors.py); the web, the admin
and the API answer with it, each in its own shape."""

from __future__ import annotations

import pytest

from app.admin import attempt
from app.api.errors import from_service_error
from core.errors import Conflict, NotFound, ServiceError
from subscribers.validation import HostNotFound

CASES = [
    (ServiceError("Bad input."), 400, "invalid"),
    (NotFound("No such thing."), 404, "not_found"),
    (Conflict("Already there."), 409, "conflict"),
    (HostNotFound("No such host."), 400, "invalid"),
]


@pytest.mark.parametrize(("error", "status", "code"), CASES)
def test_the_api_answers_with_the_status_the_error_names(error, status, code):
    api_error = from_service_error(error)
    assert (api_error.status, api_error.code, api_error.message) == (status, code, error.message)


@pytest.mark.parametrize(("error", "status", "code"), CASES)
def test_the_admin_answers_with_the_status_the_error_names(app, error, status, code):
    def fail():
        raise error

    with app.test_request_context("/admin/x", method="POST"):
        assert attempt(fail) == (None, status)


@pytest.mark.parametrize(("error", "status", "code"), CASES)
def test_a_page_answers_with_the_status_the_error_names(database_url, error, status, code):
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})

    def fail():
        raise error

    app.add_url_rule("/boom", "boom", fail)
    app.add_url_rule("/api/boom", "api_boom", fail)
    client = app.test_client()
    page = client.get("/boom", headers={"Accept": "text/html"})
    assert page.status_code == status
    assert error.message in page.get_data(as_text=True)
    body = client.get("/api/boom").get_json()
    assert body["error"]["status"] == status
    assert body["error"]["message"] == error.message
