"""LTI 1.3: registered platforms, the tool's keys, launched users, courses and links, and the score outbox

Revision ID: a8c3e5f7b1d2
Revises: f4c8a1d6b2e9
Create Date: 2026-12-05 15:19:19.281414

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8c3e5f7b1d2'
down_revision = 'f4c8a1d6b2e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lti_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_lti_keys_kid'))
    )
    op.create_table('lti_launch_state',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_lti_launch_state'))
    )
    with op.batch_alter_table('lti_launch_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_launch_state_expires_at'), ['expires_at'], unique=False)

    op.create_table('lti_platforms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.String(length=500), nullable=False),
    sa.Column('auth_token_url', sa.String(length=500), nullable=False),
    sa.Column('key_set_url', sa.String(length=500), nullable=False),
    sa.Column('auth_audience', sa.String(length=500), nullable=True),
    sa.Column('frame_origins', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platforms')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_platforms_issuer'))
    )
    op.create_table('lti_deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_deployments_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployments')),
    sa.UniqueConstraint('platform_id', 'deployment_id', name=op.f('uq_lti_deployments_platform_id'))
    )
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_deployments_platform_id'), ['platform_id'], unique=False)

    op.create_table('lti_tickets',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_tickets_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_tickets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_lti_tickets'))
    )
    op.create_table('lti_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_users_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_users')),
    sa.UniqueConstraint('platform_id', 'subject', name=op.f('uq_lti_users_platform_id'))
    )
    with op.batch_alter_table('lti_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_users_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_users_user_id'), ['user_id'], unique=False)

    op.create_table('lti_contexts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('ags', sa.JSON(), nullable=True),
    sa.Column('memberships_url', sa.String(length=500), nullable=True),
    sa.Column('roster_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_lti_contexts_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_contexts_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_contexts')),
    sa.UniqueConstraint('platform_id', 'context_id', name=op.f('uq_lti_contexts_platform_id'))
    )
    with op.batch_alter_table('lti_contexts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_contexts_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_contexts_platform_id'), ['platform_id'], unique=False)

    op.create_table('lti_resource_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('reading', sa.String(length=200), nullable=True),
    sa.Column('lineitem_url', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_lti_resource_links_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['context_pk'], ['lti_contexts.id'], name=op.f('fk_lti_resource_links_context_pk_lti_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_resource_links_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_links')),
    sa.UniqueConstraint('platform_id', 'resource_link_id', name=op.f('uq_lti_resource_links_platform_id'))
    )
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_resource_links_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_links_context_pk'), ['context_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_links_platform_id'), ['platform_id'], unique=False)

    op.create_table('lti_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score_given', sa.Float(), nullable=True),
    sa.Column('score_maximum', sa.Float(), nullable=False),
    sa.Column('activity_progress', sa.String(length=20), nullable=False),
    sa.Column('grading_progress', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_scores_link_id_lti_resource_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_scores_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_scores')),
    sa.UniqueConstraint('link_id', 'user_id', name=op.f('uq_lti_scores_link_id'))
    )
    with op.batch_alter_table('lti_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_scores_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_scores_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_scores_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('lti_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_scores_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_scores_sent_at'))
        batch_op.drop_index(batch_op.f('ix_lti_scores_link_id'))

    op.drop_table('lti_scores')
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_platform_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_context_pk'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_assignment_id'))

    op.drop_table('lti_resource_links')
    with op.batch_alter_table('lti_contexts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_contexts_platform_id'))
        batch_op.drop_index(batch_op.f('ix_lti_contexts_class_id'))

    op.drop_table('lti_contexts')
    with op.batch_alter_table('lti_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_users_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_users_platform_id'))

    op.drop_table('lti_users')
    op.drop_table('lti_tickets')
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_deployments_platform_id'))

    op.drop_table('lti_deployments')
    op.drop_table('lti_platforms')
    with op.batch_alter_table('lti_launch_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_launch_state_expires_at'))

    op.drop_table('lti_launch_state')
    op.drop_table('lti_keys')
