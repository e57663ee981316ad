"""suggested incidents keep the reason staff gave for dismissing them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suggested_incidents', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('dismissed_reason', sa.Text(), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('suggested_incidents', schema=None) as batch_op:
        batch_op.drop_column('dismissed_reason')
