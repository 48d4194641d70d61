"""Points per attempt and theme: the read model mastery and the gradebook's theme averages read.

Creates `theme_points` and fills it from every submitted attempt's answers, as
studyapp.domain.points sums them (the rule of which answers count is spelled out here, as it
stood when this revision was written). Downgrading drops the table: the pages it served read
the answers again only after the code that reads it is downgraded too.

Revision ID: f4c8a1d6b2e9
Revises: d7f3b9e1a5c2
Create Date: 2026-12-05 11:40:00.000000

"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

from studyapp.core.mastery import Answer, totals_by_theme
from studyapp.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'f4c8a1d6b2e9'
down_revision = 'd7f3b9e1a5c2'
branch_labels = None
depends_on = None


def upgrade():
    theme_points = op.create_table(
        'theme_points',
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('theme', sa.String(length=100), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('max_score', sa.Float(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('latest_at', UTCDateTime(), nullable=False),
        sa.Column('weighted_score', sa.Float(), nullable=False),
        sa.Column('weighted_max', sa.Float(), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_theme_points_attempt_id_attempts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('attempt_id', 'theme', name=op.f('pk_theme_points')),
    )
    attempts = sa.table(
        'attempts',
        sa.column('id', sa.Integer()),
        sa.column('state', sa.String()),
        sa.column('practice', sa.Boolean()),
        sa.column('submitted_at', UTCDateTime()),
        sa.column('started_at', UTCDateTime()),
    )
    items = sa.table(
        'attempt_items',
        sa.column('attempt_id', sa.Integer()),
        sa.column('position', sa.Integer()),
        sa.column('question_version_id', sa.Integer()),
        sa.column('score', sa.Float()),
        sa.column('max_score', sa.Float()),
        sa.column('status', sa.String()),
        sa.column('saved_at', UTCDateTime()),
    )
    versions = sa.table('question_versions', sa.column('id', sa.Integer()), sa.column('themes', sa.JSON()))
    bind = op.get_bind()
    answers = defaultdict(list)
    rows = bind.execute(
        sa.select(
            items.c.attempt_id, items.c.score, items.c.max_score, items.c.status, items.c.saved_at,
            attempts.c.practice, attempts.c.submitted_at, attempts.c.started_at, versions.c.themes,
        )
        .select_from(items.join(attempts, attempts.c.id == items.c.attempt_id).join(versions, versions.c.id == items.c.question_version_id))
        .where(attempts.c.state == 'submitted')
        .order_by(items.c.attempt_id, items.c.position)
    )
    for attempt_id, score, top, status, saved_at, practice, submitted_at, started_at, themes in rows:
        if score is None or status == 'ungraded' or (practice and status == 'unanswered'):
            continue
        answers[attempt_id].append(Answer(tuple(themes or ()), score, top, saved_at or submitted_at or started_at))
    filled = [
        {'attempt_id': attempt_id, 'theme': theme, **totals._asdict()}
        for attempt_id, given in answers.items()
        for theme, totals in totals_by_theme(given).items()
    ]
    for start in range(0, len(filled), 5_000):
        op.bulk_insert(theme_points, filled[start:start + 5_000])


def downgrade():
    op.drop_table('theme_points')
