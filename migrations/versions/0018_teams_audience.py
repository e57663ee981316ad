"""the teams audience: the lead drafts one update for every team that owns services

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 02:00:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

CADENCE = {"critical": 30, "major": 60, "minor": 120, "none": 240}

audiences = sa.table(
    "audiences",
    sa.column("key", sa.String),
    sa.column("name", sa.String),
    sa.column("visibility", sa.String),
    sa.column("tone", sa.String),
    sa.column("needs_approval", sa.Boolean),
    sa.column("priority", sa.Integer),
    sa.column("default_channels", sa.JSON),
    sa.column("cadence", sa.JSON),
    sa.column("description", sa.Text),
    sa.column("sms_max_segments", sa.Integer),
    sa.column("page_max_chars", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade():
    connection = op.get_bind()
    if connection.scalar(sa.select(audiences.c.key).where(audiences.c.key == "teams")):
        return
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as the models store it there
    op.bulk_insert(audiences, [{
        "key": "teams", "name": "Teams", "visibility": "internal", "tone": "plain",
        "needs_approval": False, "priority": 30, "default_channels": ["email", "sms"],
        "cadence": dict(CADENCE),
        "description": "Every team that owns services: each reads the update and, under it, "
        "the state of its own services as the pages show them when it is sent (not "
        "affected, or which are and why).",
        "sms_max_segments": 2, "page_max_chars": 1500, "created_at": now,
    }])


def downgrade():
    # Its broadcasts may point at it by now: it stays, as the defaults of 0007 do.
    pass
