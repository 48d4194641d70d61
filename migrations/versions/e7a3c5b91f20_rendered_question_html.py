"""Question versions: the sanitized HTML of their Markdown texts, rendered once when saved.

Versions saved before keep None and are rendered when shown, as before.

Revision ID: e7a3c5b91f20
Revises: c4e2a9d17b35
Create Date: 2026-12-04 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c5b91f20'
down_revision = 'c4e2a9d17b35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rendered', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_column('rendered')
