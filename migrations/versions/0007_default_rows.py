"""the default audiences and escalation rules come with the database, not from a read

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:40:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CADENCE = {"critical": 30, "major": 60, "minor": 120, "none": 240}
# The defaults as of this revision (key, name, visibility, tone, needs approval, priority,
# default channels, description); later edits by staff are never overwritten.
DEFAULTS = (
    ("executives", "Executives", "internal", "plain", False, 10, ["email", "sms"],
     "Leadership: business impact, customers affected, tier-1 services, ETA."),
    ("support", "Support", "internal", "plain", False, 20, ["email"],
     "Support staff: talking points and the workaround."),
    ("engineering", "Engineering", "internal", "technical", False, 30, ["email", "webhook"],
     "Engineers: the technical detail."),
    ("customers", "Customers", "public", "plain", True, 40, ["email", "sms", "webhook"],
     "Public subscribers of the status page."),
    ("press", "Press", "public", "plain", True, 50, ["email"],
     "Journalists and analysts: a short formal statement."),
    ("staff", "Staff notices", "internal", "plain", False, 5, ["email"],
     "Herald's own notices to the people running an incident (overdue updates)."),
)

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


rules = sa.table(
    "escalation_rules",
    sa.column("name", sa.String),
    sa.column("min_impact", sa.String),
    sa.column("tier", sa.String),
    sa.column("audience_key", sa.String),
    sa.column("enabled", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
RULES = (
    ("Critical incidents", "critical", None, "executives"),
    ("Anything touching a tier-1 service", None, "tier1", "executives"),
)


def upgrade():
    connection = op.get_bind()
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as the models store it there
    existing = set(connection.scalars(sa.select(audiences.c.key)))
    rows = [
        {
            "key": key, "name": name, "visibility": visibility, "tone": tone,
            "needs_approval": approval, "priority": priority, "default_channels": channels,
            "cadence": dict(CADENCE), "description": description,
            "sms_max_segments": 2, "page_max_chars": 1500, "created_at": now,
        }
        for key, name, visibility, tone, approval, priority, channels, description in DEFAULTS
        if key not in existing
    ]
    if rows:
        op.bulk_insert(audiences, rows)
    if not connection.scalar(sa.select(sa.func.count()).select_from(rules)):
        op.bulk_insert(rules, [
            {"name": name, "min_impact": impact, "tier": tier, "audience_key": audience,
             "enabled": True, "created_at": now}
            for name, impact, tier, audience in RULES
        ])


def downgrade():
    # The audiences may have subscribers by now: they stay.
    pass
