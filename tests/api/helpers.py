"""Helpers for the management API tests: a client that sends a token, the sample facts,
the shape of errors (the database snapshot is in tests/snapshot.py)."""

from __future__ import annotations

from datetime import timedelta

from app.models import utcnow


class ApiClient:
    """A test client that sends ``Authorization: Bearer <token>`` and JSON bodies."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**sent, **(headers or {})}

    def get(self, url: str, headers: dict | None = None, **kwargs):
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url: str, json=None, headers: dict | None = None, **kwargs):
        return self.client.post(url, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, url: str, json=None, headers: dict | None = None, **kwargs):
        return self.client.patch(url, json=json, headers=self._headers(headers), **kwargs)

    def send(self, method: str, url: str, **kwargs):
        return self.client.open(url, method=method, headers=self._headers(None), **kwargs)


def error_of(response, status: int) -> dict:
    """The JSON error of a response, after checking its status and shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) >= {"status", "code", "message", "field"}
    assert error["status"] == status and error["message"]
    return error


FACTS = {
    "summary": "Card payments are failing for some customers.",
    "customer_impact": "About one in ten card payments fails.",
    "workaround": "Retry the payment, or pay by bank transfer.",
    "eta": None,
    "next_update_at": None,
    "technical_detail": "The card processor answers 502 to a share of requests.",
}


def facts(**changes) -> dict:
    """The sample facts, with a next update an hour ahead unless changed."""
    values = {**FACTS, "next_update_at": (utcnow() + timedelta(hours=1)).isoformat()}
    values.update(changes)
    return values
