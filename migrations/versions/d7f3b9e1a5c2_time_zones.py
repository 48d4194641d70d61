"""Time zones: each user's and each class's.

`users.time_zone` is the IANA zone ("Europe/Paris") a user reads and types times in; it stays empty
(NULL) until they choose one on their account page. `classes.time_zone` is the zone of a class's pages
and of its assignments' dates for whoever chose none; existing classes get "UTC", the zone every time
was shown and typed in until now, so nothing a page shows changes. Moments stay stored in UTC.
Downgrading drops both columns: every page goes back to UTC.

Revision ID: d7f3b9e1a5c2
Revises: c5e9a2b7d3f1
Create Date: 2026-12-05 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7f3b9e1a5c2'
down_revision = 'c5e9a2b7d3f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))


def downgrade():
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
