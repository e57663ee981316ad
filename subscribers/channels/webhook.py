"""Webhooks: a JSON payload in Statuspage's webhook shape, signed with HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import requests

from core.errors import ServiceError
from subscribers.channels import webhook_http
from subscribers.channels.base import (
    FAILED,
    RETRY,
    SENT,
    Content,
    Outcome,
    Outgoing,
    PooledChannel,
)
from subscribers.links import manage_url, unsubscribe_url
from subscribers.validation import HostNotFound

T = TypeVar("T")

SIGNATURE_HEADER = "X-Herald-Signature"


def exchange(delivery_id: int, name: str, send: Callable[[], T]) -> T | Outcome:
    """``send()`` (one HTTP exchange with a receiver Herald posts to), or the Outcome of
    not reaching it: a name that does not resolve (perhaps only for now) or a refused
    connection is retried and counted; a name that now leads to a private address
    quarantines the destination."""
    try:
        return send()
    except HostNotFound as error:
        return Outcome(delivery_id, RETRY, error=error.message, subscriber_action="count_failure")
    except ServiceError as error:
        return Outcome(delivery_id, FAILED, error=error.message, subscriber_action="quarantine")
    except requests.RequestException as error:
        return Outcome(
            delivery_id,
            RETRY,
            error=f"{name} unreachable: {error}",
            subscriber_action="count_failure",
        )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``; receivers recompute it
    and refuse old timestamps to stop replays."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_valid(
    secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = 300
) -> bool:
    """Whether ``header`` is ``sign(secret, t, body)`` for a ``t`` within ``tolerance``
    seconds of now: the check a receiver of Herald's webhooks makes, and the one Herald
    makes on signed webhooks it receives (the monitor webhook)."""
    stamp, given = signature_parts(header)
    if stamp is None or not given:
        return False
    if signature_age(stamp, now) > tolerance:
        return False
    expected = sign(secret, stamp, body).partition(",v1=")[2]
    return hmac.compare_digest(expected, given.lower())


def signature_parts(header: str) -> tuple[int | None, str]:
    """The time (``t``, None when missing or not a number) and the HMAC (``v1``) of a
    signature header."""
    parts = dict(part.partition("=")[::2] for part in (header or "").split(",") if "=" in part)
    stamp, given = parts.get("t", "").strip(), parts.get("v1", "").strip()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return None, given
    return int(stamp), given


def signature_age(stamp: int, now: float | None = None) -> float:
    """How far, in seconds either way, a signature's time is from now."""
    return abs((time.time() if now is None else now) - stamp)


def payload_for(content: Content, item: Outgoing) -> bytes:
    payload = dict(content.webhook_payload)
    payload["meta"] = {
        "unsubscribe": unsubscribe_url(item.token),
        "manage": manage_url(item.token),
        "documentation": "Verify X-Herald-Signature: HMAC-SHA256 of '<t>.<body>'.",
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


class Webhook(PooledChannel):
    kind = "webhook"
    name = "webhook"
    batch_size = 50

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        allow_private: bool = False,
        verify: bool | str = True,
        concurrency: int = 8,
    ):
        self.timeout = timeout
        self.allow_private = allow_private
        self.verify = verify
        self.local = threading.local()
        super().__init__(concurrency, "herald-webhook")

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = webhook_http.new_session()
        return session

    def post(self, url: str, secret: str, body: bytes, delivery_id: int) -> requests.Response:
        """One signed POST, to the address the URL's host resolves to now (checked to be
        public unless private addresses are allowed), answered within ``timeout``
        seconds in all. Raises a ServiceError for a refused or unresolvable host and a
        ``requests.RequestException`` when the receiver cannot be reached or is slow."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, int(time.time()), body),
            "X-Herald-Delivery": str(delivery_id),
        }
        return webhook_http.post(
            self._session(),
            url,
            body,
            headers,
            allow_private=self.allow_private,
            verify=self.verify,
            timeout=self.timeout,
        )

    def _send_one(self, content: Content, item: Outgoing) -> Outcome:
        response = exchange(
            item.delivery_id,
            "webhook",
            lambda: self.post(
                item.address, item.secret, payload_for(content, item), item.delivery_id
            ),
        )
        if isinstance(response, Outcome):
            return response
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(item.delivery_id, SENT, provider_id=f"http:{status}")
        if status == 410:  # Gone: the receiver asks to stop
            return Outcome(
                item.delivery_id,
                FAILED,
                error="webhook answered 410 Gone",
                subscriber_action="unsubscribe",
            )
        retry_after = response.headers.get("Retry-After", "")
        if status == 429 or status >= 500 or status == 408:
            return Outcome(
                item.delivery_id,
                RETRY,
                error=f"webhook answered {status}",
                retry_after=float(retry_after) if retry_after.isdigit() else None,
                subscriber_action="count_failure",
            )
        return Outcome(
            item.delivery_id,
            FAILED,
            error=f"webhook answered {status}",
            subscriber_action="count_failure",
        )

    def close(self) -> None:
        super().close()
        # The calling thread's session (post() called directly, as sign-up does).
        session = getattr(self.local, "session", None)
        if session is not None:
            session.close()
            self.local.session = None
