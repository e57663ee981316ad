"""incident signals: when a signal kept on an incident cleared (None while active)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incident_signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('incident_signals', schema=None) as batch_op:
        batch_op.drop_column('cleared_at')
