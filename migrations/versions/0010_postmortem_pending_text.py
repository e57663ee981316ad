"""a postmortem edit waits for approval beside the published text, which stays public

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('postmortem_pending_body', sa.Text(), nullable=False, server_default='')
        )


def downgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('postmortem_pending_body')
