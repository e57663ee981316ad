"""Each request in the sign-in tests runs in its own application context, as in
production (see tests/admin/conftest.py): otherwise ``g`` would carry one client's
signed-in user and CSRF token into another client's request."""

from __future__ import annotations

import contextvars

import pytest
from flask.testing import FlaskClient

from app.extensions import db

_ISOLATED = contextvars.ContextVar("isolated_request", default=False)


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        if _ISOLATED.get():  # a redirect followed inside the isolated request
            return super().open(*args, **kwargs)

        def run():
            _ISOLATED.set(True)
            return FlaskClient.open(self, *args, **kwargs)

        response = contextvars.Context().run(run)
        db.session.expire_all()  # the test's session then reads what the request committed
        return response


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient
