"""private pages: pages for invited viewers, their components and viewers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'private_pages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=16), nullable=False),
        sa.Column('slug', sa.String(length=35), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('audience_id', sa.Integer(), nullable=False),
        sa.Column('read_token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('public_id'),
        sa.UniqueConstraint('slug'),
    )
    op.create_table(
        'private_page_components',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('component_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['component_id'], ['components.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['page_id'], ['private_pages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('page_id', 'component_id'),
    )
    op.create_table(
        'page_viewers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('link_nonce', sa.String(length=32), nullable=False),
        sa.Column('session_hash', sa.String(length=64), nullable=False),
        sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['page_id'], ['private_pages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('page_id', 'email'),
    )
    with op.batch_alter_table('page_viewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_viewers_page_id'), ['page_id'], unique=False)


def downgrade():
    with op.batch_alter_table('page_viewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_viewers_page_id'))
    op.drop_table('page_viewers')
    op.drop_table('private_page_components')
    op.drop_table('private_pages')
    op.execute("DELETE FROM audiences WHERE key LIKE 'page:%'")
