"""Progress: each student's review queue (review_cards) and the missed answers counted in it (review_misses).

Revision ID: 918b87533599
Revises: d69a6bcd351b
Create Date: 2026-11-28 09:36:31.518383

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '918b87533599'
down_revision = 'd69a6bcd351b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('misses', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=32), nullable=False),
    sa.Column('last_response', sa.JSON(), nullable=True),
    sa.Column('last_seed', sa.String(length=32), nullable=True),
    sa.Column('last_version_id', sa.Integer(), nullable=True),
    sa.Column('last_score', sa.Float(), nullable=True),
    sa.Column('last_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['last_version_id'], ['question_versions.id'], name=op.f('fk_review_cards_last_version_id_question_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_review_cards_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_cards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cards')),
    sa.UniqueConstraint('user_id', 'question_id', name=op.f('uq_review_cards_user_id'))
    )
    with op.batch_alter_table('review_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_cards_question_id'), ['question_id'], unique=False)
        batch_op.create_index('ix_review_cards_user_id_due_at', ['user_id', 'due_at'], unique=False)

    op.create_table('review_misses',
    sa.Column('attempt_item_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_item_id'], ['attempt_items.id'], name=op.f('fk_review_misses_attempt_item_id_attempt_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['card_id'], ['review_cards.id'], name=op.f('fk_review_misses_card_id_review_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_item_id', name=op.f('pk_review_misses'))
    )
    with op.batch_alter_table('review_misses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_misses_card_id'), ['card_id'], unique=False)



def downgrade():
    with op.batch_alter_table('review_misses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_misses_card_id'))

    op.drop_table('review_misses')
    with op.batch_alter_table('review_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_review_cards_user_id_due_at')
        batch_op.drop_index(batch_op.f('ix_review_cards_question_id'))

    op.drop_table('review_cards')
