"""The management API's token fixtures, for the reports' API tests."""

from tests.api.conftest import api, token_for  # noqa: F401
