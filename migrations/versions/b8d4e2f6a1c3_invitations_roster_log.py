"""Class invitations with personal codes, and the roster change log.

Accounts a roster import made before (no password, nobody signed up for them) become invitations:
each of their class memberships turns into an invitation with a fresh personal code, and the account,
which could never sign in, is deleted. Downgrading drops both tables (pending invitations are lost).

Revision ID: b8d4e2f6a1c3
Revises: a3f1c7d2e9b4
Create Date: 2026-12-04 20:40:00.000000

"""
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d4e2f6a1c3'
down_revision = 'a3f1c7d2e9b4'
branch_labels = None
depends_on = None

#: The password of an account a roster import made (studyapp 0.1): nobody could sign in with it.
ROSTER_MADE = '!roster-import'
ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'


def upgrade():
    op.create_table('class_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_invitations_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_class_invitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_class_invitations_section_id_sections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_invitations')),
    sa.UniqueConstraint('class_id', 'email', name=op.f('uq_class_invitations_class_id')),
    sa.UniqueConstraint('code', name=op.f('uq_class_invitations_code'))
    )
    with op.batch_alter_table('class_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_invitations_class_id'), ['class_id'], unique=False)

    op.create_table('roster_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('invited', 'invitation withdrawn', 'accepted an invitation', 'joined with the class code', 'removed', 'section changed', 'instructor added', 'instructor removed', 'new join code', name='roster_action', native_enum=False, length=30), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('subject_email', sa.String(length=254), nullable=False),
    sa.Column('subject_name', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_roster_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_roster_changes_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['users.id'], name=op.f('fk_roster_changes_subject_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_changes'))
    )
    with op.batch_alter_table('roster_changes', schema=None) as batch_op:
        batch_op.create_index('ix_roster_changes_class_id_id', ['class_id', 'id'], unique=False)

    _roster_made_accounts_become_invitations()


def _roster_made_accounts_become_invitations():
    bind = op.get_bind()
    users = sa.table('users', sa.column('id'), sa.column('email'), sa.column('display_name'), sa.column('password_hash'))
    memberships = sa.table(
        'memberships', sa.column('class_id'), sa.column('user_id'), sa.column('role'), sa.column('section_id')
    )
    classes = sa.table('classes', sa.column('id'), sa.column('owner_id'))
    attempts = sa.table('attempts', sa.column('user_id'))
    excusals = sa.table('excusals', sa.column('user_id'))
    invitations = sa.table(
        'class_invitations', sa.column('class_id'), sa.column('email'), sa.column('name'), sa.column('section_id'),
        sa.column('code'), sa.column('created_by_id'), sa.column('created_at'),
    )
    made = bind.execute(
        sa.select(users.c.id, users.c.email, users.c.display_name)
        .where(users.c.password_hash == ROSTER_MADE)
        .where(~sa.exists().where(attempts.c.user_id == users.c.id))
    ).all()
    if not made:
        return
    now = datetime.now(timezone.utc)
    codes = set()
    for user_id, email, name in made:
        rows = bind.execute(
            sa.select(memberships.c.class_id, memberships.c.section_id, classes.c.owner_id)
            .join(classes, classes.c.id == memberships.c.class_id)
            .where(memberships.c.user_id == user_id, memberships.c.role == 'student')
        ).all()
        for class_id, section_id, owner_id in rows:
            code = ''
            while not code or code in codes:
                code = ''.join(secrets.choice(ALPHABET) for _ in range(10))
            codes.add(code)
            bind.execute(invitations.insert().values(
                class_id=class_id, email=email, name=name, section_id=section_id, code=code,
                created_by_id=owner_id, created_at=now,
            ))
        bind.execute(memberships.delete().where(memberships.c.user_id == user_id))
        bind.execute(excusals.delete().where(excusals.c.user_id == user_id))
        bind.execute(users.delete().where(users.c.id == user_id))


def downgrade():
    with op.batch_alter_table('roster_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_changes_class_id_id')
    op.drop_table('roster_changes')
    with op.batch_alter_table('class_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_invitations_class_id'))
    op.drop_table('class_invitations')
