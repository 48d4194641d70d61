"""Question banks can be shared with the instructors of a class.

Revision ID: b173ae6204be
Revises: f2b90676d693
Create Date: 2026-11-28 10:39:42.872537

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b173ae6204be'
down_revision = 'f2b90676d693'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question_banks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_class_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_question_banks_shared_class_id'), ['shared_class_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_question_banks_shared_class_id_classes'), 'classes', ['shared_class_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('question_banks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_question_banks_shared_class_id_classes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_question_banks_shared_class_id'))
        batch_op.drop_column('shared_class_id')

