"""Grades: lateness decided at submission and stored.

`attempts.late` records whether an attempt was submitted after the closing time in force when it was
submitted (the class assignment's, else the quiz's). Until now lateness was worked out on every page
from the closing time as it is *now*, so moving a closing time into the past turned on-time
submissions late. Attempts submitted before this migration are backfilled from the closing times in
force now, the best record there is: `late` is true when `submitted_at` is after the assignment's
closing time (else the quiz's). Practice and attempts still in progress are not late. Downgrading
drops the column, and pages fall back to working lateness out from the current closing time.

Revision ID: c5e9a2b7d3f1
Revises: b8d4e2f6a1c3
Create Date: 2026-12-04 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e9a2b7d3f1'
down_revision = 'b8d4e2f6a1c3'
branch_labels = None
depends_on = None

attempts = sa.table(
    'attempts',
    sa.column('id', sa.Integer()),
    sa.column('quiz_id', sa.Integer()),
    sa.column('assignment_id', sa.Integer()),
    sa.column('practice', sa.Boolean()),
    sa.column('state', sa.String()),
    sa.column('submitted_at', sa.DateTime(timezone=True)),
    sa.column('late', sa.Boolean()),
)
assignments = sa.table('assignments', sa.column('id', sa.Integer()), sa.column('closes_at', sa.DateTime(timezone=True)))
quizzes = sa.table('quizzes', sa.column('id', sa.Integer()), sa.column('closes_at', sa.DateTime(timezone=True)))


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))
    closing = sa.func.coalesce(
        sa.select(assignments.c.closes_at).where(assignments.c.id == attempts.c.assignment_id).scalar_subquery(),
        sa.select(quizzes.c.closes_at).where(quizzes.c.id == attempts.c.quiz_id).scalar_subquery(),
    )
    op.execute(
        attempts.update()
        .where(
            attempts.c.state == 'submitted',
            attempts.c.practice == sa.false(),
            attempts.c.submitted_at.is_not(None),
            closing.is_not(None),
            attempts.c.submitted_at > closing,
        )
        .values(late=sa.true())
    )


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('late')
