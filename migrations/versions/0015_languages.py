"""languages: a subscriber's language, a broadcast's translations, a template per language

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# The naming convention names a unique constraint after its first column: the one on
# (audience_key, phase) and the one on (audience_key, phase, language) share the name.
TEMPLATE_UNIQUE = 'uq_message_templates_audience_key'


def upgrade():
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=8), server_default='en', nullable=False)
        )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('translations', sa.JSON(), server_default='{}', nullable=False)
        )
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=8), server_default='en', nullable=False)
        )
        batch_op.drop_constraint(TEMPLATE_UNIQUE, type_='unique')
        batch_op.create_unique_constraint(TEMPLATE_UNIQUE, ['audience_key', 'phase', 'language'])


def downgrade():
    # Templates in other languages have nowhere to go: only the English ones are kept.
    op.execute(sa.text("DELETE FROM message_templates WHERE language <> 'en'"))
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.drop_constraint(TEMPLATE_UNIQUE, type_='unique')
        batch_op.create_unique_constraint(TEMPLATE_UNIQUE, ['audience_key', 'phase'])
        batch_op.drop_column('language')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('translations')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_column('language')
