"""Database wiring: SQLite pragmas and the after-commit hook of the page cache."""

from __future__ import annotations

import sqlite3

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        # WAL lets the pages read while the worker writes; foreign keys are off by default.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Session, "after_commit")
def _page_changed(session: Session) -> None:
    if session.info.pop("page_changed", False) and has_app_context():
        cache = current_app.extensions.get("herald_page_cache")
        if cache is not None:
            cache.expire_check()


@event.listens_for(Session, "after_rollback")
def _forget_change(session: Session) -> None:
    session.info.pop("page_changed", None)


def init_app(app: Flask) -> None:
    from app.status.cache import PageCache

    app.extensions["herald_page_cache"] = PageCache()
