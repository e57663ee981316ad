"""Integration credentials: making, keeping and checking what a sender proves itself with.

An Alertmanager (or Grafana) integration authenticates with a bearer token that Herald
keeps only as a SHA-256 hash (it is shown once). A monitor integration signs its
requests with an HMAC secret; checking a signature needs the secret itself, so it is
kept encrypted with a key derived from the app's secret key (rotating SECRET_KEY
therefore means making monitor integrations again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from app.models import Integration
from core.db import db
from core.time import utcnow

TOKEN_SCHEME = {"alertmanager": "hrla", "monitor": "hrlm"}
SECRET_BYTES = 32
# last_used_at is written at most this often: a busy sender does not make every
# delivery a write.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _fernet() -> Fernet:
    """The key for monitor secrets: HKDF of SECRET_KEY with a purpose label, so the
    session-signing key itself never encrypts anything."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"herald integration secrets v1"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(integration: Integration) -> str | None:
    """The monitor's secret, or None when it cannot be read (SECRET_KEY changed)."""
    if not integration.secret_encrypted:
        return None
    try:
        return _fernet().decrypt(integration.secret_encrypted.encode()).decode()
    except InvalidToken:
        return None


def verify_token(plain: str) -> Integration | None:
    """The active Alertmanager integration a bearer token belongs to, or None. Looked up
    by hash, so no comparison runs over the secret."""
    plain = (plain or "").strip()
    if not plain or len(plain) > 200:
        return None
    digest = hash_token(plain)
    found = db.session.scalar(select(Integration).where(Integration.token_hash == digest))
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    if found.revoked_at is not None or found.kind != "alertmanager":
        return None
    return found


def active_monitors() -> list[Integration]:
    return list(
        db.session.scalars(
            select(Integration)
            .where(Integration.kind == "monitor", Integration.revoked_at.is_(None))
            .order_by(Integration.id)
        )
    )


def touch(integration: Integration) -> None:
    now = utcnow()
    if integration.last_used_at is None or now - integration.last_used_at >= TOUCH_EVERY:
        integration.last_used_at = now
