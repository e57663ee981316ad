"""public text outside the drafts waits for approval: postmortems and maintenance texts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('postmortem_author_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('postmortem_submitted_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('postmortem_approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_incidents_postmortem_author_id_users'),
            'users', ['postmortem_author_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_incidents_postmortem_approved_by_id_users'),
            'users', ['postmortem_approved_by_id'], ['id'], ondelete='SET NULL',
        )
    with op.batch_alter_table('maintenances', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('awaiting_approval', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('maintenance_updates', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('pending_body', sa.Text(), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_maintenance_updates_approved_by_id_users'),
            'users', ['approved_by_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('maintenance_updates', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_maintenance_updates_approved_by_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('pending_body')
    with op.batch_alter_table('maintenances', schema=None) as batch_op:
        batch_op.drop_column('awaiting_approval')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_incidents_postmortem_approved_by_id_users'), type_='foreignkey'
        )
        batch_op.drop_constraint(
            batch_op.f('fk_incidents_postmortem_author_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('postmortem_approved_by_id')
        batch_op.drop_column('postmortem_submitted_at')
        batch_op.drop_column('postmortem_author_id')
