"""One database engine for every test's app, instead of one per test.

Each test builds its own app, and Flask-SQLAlchemy gives each app its own engine: every
test opened new database connections. On PostgreSQL a new connection is a new server
process whose catalog caches start cold, which cost each test about 30 ms before its
first query and more on its first use of each table. Every app made for the test database
(the same URL and engine options) now gets the same engine, so its pooled connections
serve test after test. A test that leaves a connection checked out (a thread still
running) gets its engine thrown away at teardown, so the next test starts with a pool of
its own.
"""

from __future__ import annotations

from core.db import db

_make_engine = db._make_engine  # Flask-SQLAlchemy's one place that creates an engine
_engines: dict[tuple, object] = {}
_shared_urls: set[str] = set()


def _key(options: dict) -> tuple:
    return (str(options["url"]), repr(sorted((k, repr(v)) for k, v in options.items())))


def _engine_for(bind_key, options, app):
    if str(options.get("url")) not in _shared_urls:
        return _make_engine(bind_key, options, app)
    key = _key(options)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = _make_engine(bind_key, options, app)
    return engine


def share_engines_for(url: str) -> None:
    """From now on, apps made for ``url`` share one engine."""
    _shared_urls.add(url)
    db._make_engine = _engine_for


def release(engine) -> None:
    """After a test: keep the engine for the next one, unless a connection is still out."""
    if engine.pool.checkedout() == 0:
        return
    for key, shared in list(_engines.items()):
        if shared is engine:
            del _engines[key]
    engine.dispose()


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
