"""A PostgreSQL schema of its own for one benchmark run, so that runs never meet."""

from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get(
    "HERALD_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def fresh_schema(prefix: str) -> tuple[str, Callable[[], None]]:
    """Create an empty schema named ``<prefix>_<pid>``; return a URL whose connections
    use it and a function that drops it."""
    schema = f"{prefix}_{os.getpid()}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", drop
