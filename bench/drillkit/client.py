"""The management API as the drill calls it: JSON over HTTP on 127.0.0.1 with a bearer
token; any answer other than the expected status stops the drill with the error."""

from __future__ import annotations

import http.client
import json


class ApiFailure(RuntimeError):
    pass


class Api:
    def __init__(self, port: int, token: str, who: str, timeout: float = 30.0):
        self.port, self.token, self.who, self.timeout = port, token, who, timeout
        self.calls = 0

    def call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        *,
        expect: tuple[int, ...] = (200, 201),
        headers: dict | None = None,
    ) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            status, raw = response.status, response.read()
        finally:
            connection.close()
        self.calls += 1
        data = json.loads(raw) if raw else {}
        if status not in expect:
            raise ApiFailure(f"{self.who}: {method} {path} answered {status}: {data}")
        return data

    def get(self, path: str) -> dict:
        return self.call("GET", path, expect=(200,))

    def post(self, path: str, body: dict | None = None, **options) -> dict:
        return self.call("POST", path, body if body is not None else {}, **options)

    def patch(self, path: str, body: dict) -> dict:
        return self.call("PATCH", path, body, expect=(200,))


def public_json(port: int, path: str, timeout: float = 10.0) -> dict:
    """A public, unauthenticated JSON page (``/api/v2/...``)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise ApiFailure(f"GET {path} answered {response.status}")
    return json.loads(raw)
