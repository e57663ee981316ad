"""chat: Slack users, chat buttons on broadcasts, slack and chat_webhook channels

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

NARROW = ('email', 'sms', 'webhook')
WIDE = NARROW + ('slack', 'chat_webhook')


def _channels(table, channels, old_type, new_type):
    """The channel column's CHECK names the allowed channels: replace it."""
    allowed = ", ".join(f"'{c}'" for c in channels)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_channel'), type_='check')
        batch_op.alter_column(
            'channel', existing_type=old_type, type_=new_type, existing_nullable=False
        )
        batch_op.create_check_constraint(op.f(f'ck_{table}_channel'), f"channel IN ({allowed})")


def upgrade():
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('chat_actions', sa.JSON(), nullable=False, server_default='[]')
        )
    for table in ('deliveries', 'subscribers'):
        _channels(table, WIDE, sa.VARCHAR(length=8), sa.String(length=16))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('slack_user_id', sa.String(length=32), server_default='', nullable=False)
        )
        batch_op.create_index(batch_op.f('ix_users_slack_user_id'), ['slack_user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_slack_user_id'))
        batch_op.drop_column('slack_user_id')
    for table in ('deliveries', 'subscribers'):
        op.execute(f"DELETE FROM {table} WHERE channel IN ('slack', 'chat_webhook')")
        _channels(table, NARROW, sa.String(length=16), sa.VARCHAR(length=8))
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('chat_actions')
