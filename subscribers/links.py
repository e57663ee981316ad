"""The public URLs that messages carry. The web blueprint serves these same paths."""

from __future__ import annotations

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


def confirmation_token(subscriber_id: int, token: str) -> str:
    """A signed token that expires after 7 days; re-subscribing issues a new one."""
    return _serializer().dumps({"s": subscriber_id, "k": token[:12]})


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
