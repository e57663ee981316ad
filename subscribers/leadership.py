"""One embedded worker at a time: a lease row in the database that the running worker
renews every few seconds and another takes over once it lapses.

Each gunicorn process starts an embedded worker; without this, every one of them would
claim and send, multiplying the SMS pace by the number of processes."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.time import utcnow
from subscribers.models import WorkerLease

NAME = "embedded-worker"


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def hold(holder: str, seconds: float, name: str = NAME) -> bool:
    """Take or renew the lease; True while this holder has it."""
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    renewed = db.session.execute(
        update(WorkerLease)
        .where(
            WorkerLease.name == name,
            or_(WorkerLease.holder == holder, WorkerLease.expires_at < now),
        )
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    ).rowcount
    if renewed == 1:
        db.session.commit()
        return True
    if db.session.get(WorkerLease, name) is None:
        db.session.add(WorkerLease(name=name, holder=holder, expires_at=expires))
        try:
            db.session.commit()
            return True
        except IntegrityError:  # another process was faster
            db.session.rollback()
            return False
    db.session.rollback()
    return False


def release(holder: str, name: str = NAME) -> None:
    """Let the next worker take over at once (on a clean stop)."""
    db.session.execute(
        update(WorkerLease)
        .where(WorkerLease.name == name, WorkerLease.holder == holder)
        .values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
