"""service credits: an SLA and credit tiers per component

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_percent', sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column('credit_tiers', sa.JSON(), nullable=False, server_default='[]')
        )


def downgrade():
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_column('credit_tiers')
        batch_op.drop_column('sla_percent')
