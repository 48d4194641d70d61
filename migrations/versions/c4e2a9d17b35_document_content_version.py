"""Documents: a content version, raised by every content load that changes anything.

Pages rendered from the content (a passage page is the same for every reader) are cached under it.

Revision ID: c4e2a9d17b35
Revises: b1df323fc4b2
Create Date: 2026-11-28 13:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e2a9d17b35'
down_revision = 'b1df323fc4b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('content_version')
