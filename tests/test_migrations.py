"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text

from app import create_app
from app.models import Base
from core.db import db

TEST_DATABASE_URL = os.environ.get("HERALD_TEST_DATABASE_URL", "")


@pytest.fixture
def empty_database_url(tmp_path):
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    schema = f"herald_migrations_{os.getpid()}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    yield f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def test_the_migrated_schema_matches_the_models(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert set(Base.metadata.tables) <= tables


def test_the_migrations_downgrade_to_nothing(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()


def test_a_migrated_database_has_the_default_audiences_as_a_created_one_does(
    empty_database_url, tmp_path
):
    """The defaults come with the database (migration 0007, or create_all's hook), so no
    page has to create them on a read."""
    from subscribers.default_audiences import default_audience_rows
    from subscribers.models import Audience

    def audiences(url: str, build) -> list[tuple]:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        with app.app_context():
            build()
            rows = db.session.execute(
                select(
                    Audience.key,
                    Audience.name,
                    Audience.visibility,
                    Audience.tone,
                    Audience.needs_approval,
                    Audience.priority,
                    Audience.default_channels,
                    Audience.cadence,
                    Audience.sms_max_segments,
                    Audience.page_max_chars,
                ).order_by(Audience.key)
            ).all()
            db.session.remove()
            db.engine.dispose()
        return [tuple(row) for row in rows]

    migrated = audiences(empty_database_url, upgrade)
    created = audiences(
        f"sqlite:///{tmp_path / 'created.db'}", lambda: Base.metadata.create_all(db.engine)
    )
    assert migrated == created
    assert [row[0] for row in migrated] == sorted(r["key"] for r in default_audience_rows())
