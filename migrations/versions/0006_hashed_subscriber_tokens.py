"""subscriber link tokens: no plain token in the database

Links now carry ``<link id>.<signature>`` (subscribers/links.py): the link id is stored,
the signature (HMAC-SHA256 under SECRET_KEY) is not. Each existing plain token is
replaced by its SHA-256 in ``legacy_token_hash``, so links sent before this revision
still work; new messages carry the new form. SMS codes texted before this revision no
longer match when typed in (replying YES still confirms); they last 24 hours.

Downgrading cannot bring the plain tokens back: every subscriber gets a new random
token, and every link sent before the downgrade stops working.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 05:45:00

"""
import hashlib
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

subscribers = sa.table(
    "subscribers",
    sa.column("id", sa.Integer),
    sa.column("token", sa.String),
    sa.column("link_id", sa.String),
    sa.column("legacy_token_hash", sa.String),
)


def upgrade():
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('legacy_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('confirm_attempts', sa.Integer(), nullable=False, server_default='0'))

    connection = op.get_bind()
    rows = connection.execute(sa.select(subscribers.c.id, subscribers.c.token)).all()
    for sid, token in rows:
        connection.execute(
            subscribers.update()
            .where(subscribers.c.id == sid)
            .values(
                link_id=secrets.token_urlsafe(16),
                legacy_token_hash=hashlib.sha256(token.encode()).hexdigest(),
            )
        )

    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.alter_column('link_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_subscribers_token'), type_='unique')
        batch_op.drop_column('token')
        batch_op.create_unique_constraint(batch_op.f('uq_subscribers_link_id'), ['link_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_subscribers_legacy_token_hash'), ['legacy_token_hash'])


def downgrade():
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    for (sid,) in connection.execute(sa.select(subscribers.c.id)).all():
        connection.execute(
            subscribers.update()
            .where(subscribers.c.id == sid)
            .values(token=secrets.token_urlsafe(32))
        )

    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_subscribers_legacy_token_hash'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_subscribers_link_id'), type_='unique')
        batch_op.drop_column('confirm_attempts')
        batch_op.drop_column('legacy_token_hash')
        batch_op.drop_column('link_id')
        batch_op.create_unique_constraint(batch_op.f('uq_subscribers_token'), ['token'])
