"""Slack waits 3 seconds for an answer. A request that needs a database lock another
transaction holds waits at most LOCK_WAIT for it, then answers "Herald is busy, try
again" instead of hanging past Slack's deadline (SQLite would wait 30 s, PostgreSQL
forever)."""

from __future__ import annotations

import contextlib

from sqlalchemy.exc import OperationalError

from core.db import db

LOCK_WAIT_MS = 1500
BUSY = "Herald is busy, try again in a moment."


class Busy(Exception):
    """The database did not give a lock in time; nothing was changed."""


@contextlib.contextmanager
def short_locks():
    """Run the block with a short lock wait; OperationalError (locked, lock timeout)
    becomes Busy after a rollback. The session's connection gets its usual wait back."""
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
    else:
        connection.exec_driver_sql(f"SET lock_timeout = {LOCK_WAIT_MS}")
    try:
        yield
    except OperationalError as error:
        db.session.rollback()
        raise Busy(BUSY) from error
    finally:
        with contextlib.suppress(OperationalError):
            connection = db.session.connection()
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")
            else:
                connection.exec_driver_sql("SET lock_timeout = 0")
