"""Attempt items: a partial index of the answers waiting for a person (status 'ungraded'), by attempt.

The gradebook and the exports ask, of every attempt of a class, whether an answer is ungraded; with
this index the database answers without reading the attempt's items.

Revision ID: b1df323fc4b2
Revises: b173ae6204be
Create Date: 2026-11-28 11:43:27.152999

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1df323fc4b2'
down_revision = 'b173ae6204be'
branch_labels = None
depends_on = None

UNGRADED = sa.text("status = 'ungraded'")


def upgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_items_ungraded', ['attempt_id'], unique=False,
                              sqlite_where=UNGRADED, postgresql_where=UNGRADED)


def downgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_items_ungraded')
