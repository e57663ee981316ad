"""Management API tokens: made for a user, shown once, stored as a SHA-256 hash only.

A token reads ``hrld_<prefix>_<secret>``: the prefix (8 characters) names the token in
lists and logs and is what ``herald revoke-token`` takes; the secret is 32 random bytes.
The database keeps the prefix and the hash of the whole token, never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.models import ApiToken, User, utcnow
from core import audit
from core.db import db
from core.errors import NotFound, ServiceError

SCHEME = "hrld"
PREFIX_LENGTH = 8
SECRET_BYTES = 32
MAX_NAME = 120
# last_used_at is written at most this often, so that a busy integration does not turn
# every request into a write.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _new_prefix() -> str:
    while True:
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is None:
            return prefix


def create_token(user: User, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``user``. Returns the row and the plain token, which is shown
    once and cannot be recovered."""
    if user is None:
        raise NotFound("No such user.", "user")
    if not user.active:
        raise ServiceError(f"{user.email} is deactivated; a token for them would not work.")
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise ServiceError(f"A token name can be at most {MAX_NAME} characters.", "name")
    prefix = _new_prefix()
    plain = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    token = ApiToken(user=user, name=name, prefix=prefix, token_hash=hash_token(plain))
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "api_token.create",
        user,
        f"Created API token {prefix}" + (f" ({name})" if name else "") + f" for {user.email}",
    )
    return token, plain


def verify(plain: str) -> User | None:
    """The user a presented token belongs to, or None when it is unknown, revoked, or its
    user is deactivated. The lookup is by hash, so no comparison runs over the secret."""
    plain = (plain or "").strip()
    if not plain.startswith(f"{SCHEME}_") or len(plain) > 200:
        return None
    digest = hash_token(plain)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None or token.user is None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
    return token.user


def find_by_prefix(prefix: str) -> ApiToken:
    """A token by its prefix; a whole token (``hrld_<prefix>_…``) is accepted too."""
    prefix = (prefix or "").strip()
    if prefix.startswith(f"{SCHEME}_"):
        prefix = prefix[len(SCHEME) + 1 :].partition("_")[0]
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix)) if prefix else None
    if token is None:
        raise NotFound(f"No API token with the prefix {prefix!r}.", "prefix")
    return token


def revoke(token: ApiToken, actor: User | None = None) -> bool:
    """Stop a token from working. Returns False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(
        actor,
        "api_token.revoke",
        token.user,
        f"Revoked API token {token.prefix}"
        + (f" ({token.name})" if token.name else "")
        + f" of {token.user.email}",
    )
    return True


def list_tokens(user: User | None = None) -> list[ApiToken]:
    """Every token (or ``user``'s), newest first, revoked ones included."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query))
