"""incident signals: a signal kept on the open incident that covers its components; a
source index on component_signals

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident_signals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.Enum('vendor', 'alert', 'listening', name='incident_signal_origin', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('component_statuses', sa.JSON(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=2048), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_signals_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_signals')),
    sa.UniqueConstraint('incident_id', 'key', name=op.f('uq_incident_signals_incident_id'))
    )
    with op.batch_alter_table('incident_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_signals_incident_id'), ['incident_id'], unique=False)

    with op.batch_alter_table('component_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_component_signals_source'), ['source'], unique=False)


def downgrade():
    with op.batch_alter_table('component_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_component_signals_source'))

    with op.batch_alter_table('incident_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_signals_incident_id'))

    op.drop_table('incident_signals')
