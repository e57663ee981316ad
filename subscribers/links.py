"""The public URLs that messages carry. The web blueprint serves these same paths."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM_MAX_AGE = 7 * 24 * 3600


def _base() -> str:
    return current_app.config["PUBLIC_URL"]


def manage_url(token: str) -> str:
    return f"{_base()}/subscriptions/{token}"


def unsubscribe_url(token: str) -> str:
    return f"{_base()}/unsubscribe/{token}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="subscribe-confirm")


def fingerprint(token: str) -> str:
    """A short digest of the manage token: binds a confirmation to the subscription
    without revealing any of the token (signed payloads are readable)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def token_matches(token: str, print_: str) -> bool:
    return hmac.compare_digest(fingerprint(token), print_)


def confirmation_token(subscriber_id: int, token: str) -> str:
    """A signed token that expires after 7 days; re-subscribing issues a new one."""
    return _serializer().dumps({"s": subscriber_id, "k": fingerprint(token)})


def read_confirmation_token(value: str) -> tuple[int, str]:
    """(subscriber id, token prefix); raises ValueError with a reason to show."""
    try:
        data = _serializer().loads(value, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired:
        raise ValueError(
            "This confirmation link has expired (links last 7 days). "
            "Subscribe again to get a new one."
        ) from None
    except BadSignature:
        raise ValueError("This confirmation link is not valid.") from None
    return int(data["s"]), str(data["k"])


def confirm_url(subscriber_id: int, token: str) -> str:
    return f"{_base()}/subscribe/confirm/{confirmation_token(subscriber_id, token)}"
