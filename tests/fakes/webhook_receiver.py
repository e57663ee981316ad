"""A subscriber's webhook endpoint: records every post and answers as scripted.

    with WebhookReceiver() as hook:               # HTTPS with a local CA (trustme)
        hook.url_for("/herald")                   # https://127.0.0.1:PORT/herald
        hook.ca_path                              # CA bundle: HERALD_WEBHOOK_CA_BUNDLE
        hook.script(410, endpoint="/gone")        # per path; default: any path
        hook.script("timeout"); hook.script(429, headers={"Retry-After": "30"})
        ...
        hook.requests[0].json, .headers["X-Herald-Signature"], .body (raw bytes)

``WebhookReceiver(tls=False)`` serves plain HTTP. Unscripted posts get 200.
``WebhookReceiver(names=("hooks.example.test",))`` adds names to its certificate.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import ssl
import tempfile
import time

from tests.fakes.base import FakeServer, Recorded, Reply


class WebhookReceiver(FakeServer):
    name = "webhook"

    def __init__(self, *, tls: bool = True, record: bool = True, names: tuple[str, ...] = ()):
        self.ca_path = ""
        self._directory = ""
        context = None
        if tls:
            import trustme

            ca = trustme.CA()
            certificate = ca.issue_cert("127.0.0.1", "localhost", *names)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            certificate.configure_cert(context)
            self._directory = tempfile.mkdtemp(prefix="herald-webhook-ca-")
            self.ca_path = os.path.join(self._directory, "ca.pem")
            ca.cert_pem.write_to_path(self.ca_path)
        super().__init__(tls=context, record=record)

    def stop(self) -> None:
        super().stop()
        if self._directory:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = ""

    def url_for(self, path: str = "/hook") -> str:
        return self.url + path

    def route(self, method: str, path: str) -> str | None:
        return path

    def respond(self, request: Recorded) -> Reply:
        return Reply(200, None)

    def to(self, path: str) -> list[Recorded]:
        return self.requests_to(path)


def verify_signature(secret: str, header: str, body: bytes, tolerance: float = 300) -> bool:
    """Check ``X-Herald-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``
    as a receiver would, refusing a timestamp more than ``tolerance`` seconds away."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        stamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - stamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
