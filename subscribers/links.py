"""The public URLs that messages carry. The web blueprint serves these same paths.

Manage and unsubscribe links carry ``<link id>.<signature>``: the link id is random and
stored on the subscriber, the signature is an HMAC-SHA256 of it under SECRET_KEY and is
stored nowhere, so a copy of the database opens no subscription. Every message is built
from the row when it is sent, so the token must be derivable again; a random token
stored as a hash (like API tokens) could not be put in the next message. Tokens issued
before migration 0006 (random, no dot) are kept as SHA-256 hashes and still accepted.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

CONFIRM_MAX_AGE = 7 * 24 * 3600


def _base() -> str:
    return current_app.config["PUBLIC_URL"]


def manage_url(token: str) -> str:
    return f"{_base()}/subscriptions/{token}"


def unsubscribe_url(token: str) -> str:
    return f"{_base()}/unsubscribe/{token}"


def new_link_id() -> str:
    return secrets.token_urlsafe(16)


def _link_signer() -> Signer:
    return _signer_and_key(current_app.config["SECRET_KEY"])[0]


@functools.lru_cache(maxsize=8)
def _signer_and_key(secret_key: str | bytes) -> tuple[Signer, bytes]:
    """The links' signer and its derived key, made once per secret: a fan-out signs a
    token per recipient, and deriving the key again for each was a third of the cost."""
    signer = Signer(secret_key, salt="subscriber-link", digest_method=hashlib.sha256)
    return signer, signer.derive_key()


def link_token(link_id: str) -> str:
    """The token of a subscriber's manage and unsubscribe links: what ``Signer.sign``
    makes, with the key derived once."""
    signer, key = _signer_and_key(current_app.config["SECRET_KEY"])
    value = link_id.encode()
    signature = base64_encode(signer.algorithm.get_signature(key, value))
    return (value + signer.sep + signature).decode()


def read_link_token(token: str) -> str | None:
    """The link id a signed link token names, or None when the signature is not ours."""
    try:
        link_id = _link_signer().unsign(token).decode()
    except BadSignature:
        return None
    # base64 leaves spare bits in the last character: a signature that decodes to ours
    # but is spelled differently is refused, so one link has exactly one valid spelling.
    return link_id if hmac.compare_digest(link_token(link_id), token) else None


def is_legacy_token(token: str) -> bool:
    """Tokens issued before 0006 were ``secrets.token_urlsafe(32)``: they have no dot."""
    return bool(token) and "." not in token


def legacy_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer(salt: str = "subscribe-confirm") -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def timed_token(data: dict, salt: str) -> str:
    """A signed, timestamped token carrying ``data`` (readable, not secret), under a salt
    of its own so that a token made for one purpose is refused for any other."""
    return _serializer(salt).dumps(data)


def read_timed_token(value: str, salt: str, max_age: int) -> dict:
    """The data of a token from ``timed_token``; raises itsdangerous' SignatureExpired
    when older than ``max_age`` seconds, BadSignature when not ours."""
    data = _serializer(salt).loads(value, max_age=max_age)
    if not isinstance(data, dict):
        raise BadSignature("not a token of ours")
    return data


def fingerprint(link_id: str) -> str:
    """A short digest of the link id: binds a confirmation to the subscription (a new
    link id voids it) without showing the id (signed payloads are readable)."""
    return hashlib.sha256(link_id.encode()).hexdigest()[:16]


def fingerprint_matches(print_: str, link_id: str, legacy_hash: str | None) -> bool:
    """Whether a confirmation's fingerprint is this subscriber's. Confirmations sent
    before 0006 carry the first 16 hex digits of the old token's SHA-256, which is what
    ``legacy_hash`` starts with."""
    if hmac.compare_digest(fingerprint(link_id), print_):
        return True
    return bool(legacy_hash) and hmac.compare_digest(legacy_hash[:16], print_)


def confirmation_token(subscriber_id: int, link_id: str) -> str:
    """A signed token that expires after 7 days; re-subscribing issues a new one."""
    return _serializer().dumps({"s": subscriber_id, "k": fingerprint(link_id)})


def read_confirmation_token(value: str) -> tuple[int, str]:
    """(subscriber id, fingerprint); raises ValueError with a reason to show."""
    try:
        data = _serializer().loads(value, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired:
        raise ValueError(
            gettext(
                "This confirmation link has expired (links last 7 days). "
                "Subscribe again to get a new one."
            )
        ) from None
    except BadSignature:
        raise ValueError(gettext("This confirmation link is not valid.")) from None
    return int(data["s"]), str(data["k"])


def confirm_url(subscriber_id: int, link_id: str) -> str:
    return f"{_base()}/subscribe/confirm/{confirmation_token(subscriber_id, link_id)}"
