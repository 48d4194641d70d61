"""Account recovery: one-time reset codes and mailed reset links.

Revision ID: a3f1c7d2e9b4
Revises: e7a3c5b91f20
Create Date: 2026-12-04 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f1c7d2e9b4'
down_revision = 'e7a3c5b91f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reset_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('code', 'link', name='reset_kind', native_enum=False, length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reset_codes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reset_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reset_codes'))
    )
    with op.batch_alter_table('reset_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reset_codes_code_hash'), ['code_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_reset_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reset_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reset_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_reset_codes_code_hash'))

    op.drop_table('reset_codes')
