"""Readings: documents, passages, themes, glossary terms, claims and their theme/term links.

Rows are written by `flask content load` from content/; nothing here holds user data.

Revision ID: d69a6bcd351b
Revises: da836ef69a3c
Create Date: 2026-11-28 09:17:49.335113

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd69a6bcd351b'
down_revision = 'da836ef69a3c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=400), nullable=False),
    sa.Column('short_title', sa.String(length=200), nullable=False),
    sa.Column('date', sa.String(length=40), nullable=False),
    sa.Column('first_page', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('introduction_html', sa.Text(), nullable=False),
    sa.Column('blocks', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('slug', name=op.f('uq_documents_slug'))
    )
    op.create_table('glossary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('forms', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('definition_html', sa.Text(), nullable=False),
    sa.Column('definition_text', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_terms')),
    sa.UniqueConstraint('slug', name=op.f('uq_glossary_terms_slug'))
    )
    op.create_table('themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
    sa.UniqueConstraint('slug', name=op.f('uq_themes_slug'))
    )
    op.create_table('passages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('part', sa.String(length=60), nullable=False),
    sa.Column('speakers', sa.JSON(), nullable=False),
    sa.Column('pages', sa.JSON(), nullable=False),
    sa.Column('quote_text', sa.Text(), nullable=False),
    sa.Column('quote', sa.JSON(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=False),
    sa.Column('context_md', sa.Text(), nullable=False),
    sa.Column('context_html', sa.Text(), nullable=False),
    sa.Column('questions_html', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_passages_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passages')),
    sa.UniqueConstraint('slug', name=op.f('uq_passages_slug'))
    )
    op.create_index(op.f('ix_passages_document_id'), 'passages', ['document_id'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('haig_passage_id', sa.Integer(), nullable=False),
    sa.Column('haig_quote', sa.Text(), nullable=False),
    sa.Column('letter_passage_id', sa.Integer(), nullable=False),
    sa.Column('letter_quote', sa.Text(), nullable=False),
    sa.Column('prompt_html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['haig_passage_id'], ['passages.id'], name=op.f('fk_claims_haig_passage_id_passages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['letter_passage_id'], ['passages.id'], name=op.f('fk_claims_letter_passage_id_passages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('slug', name=op.f('uq_claims_slug'))
    )
    op.create_index(op.f('ix_claims_haig_passage_id'), 'claims', ['haig_passage_id'], unique=False)
    op.create_index(op.f('ix_claims_letter_passage_id'), 'claims', ['letter_passage_id'], unique=False)

    op.create_table('passage_terms',
    sa.Column('passage_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['passage_id'], ['passages.id'], name=op.f('fk_passage_terms_passage_id_passages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['glossary_terms.id'], name=op.f('fk_passage_terms_term_id_glossary_terms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('passage_id', 'term_id', name=op.f('pk_passage_terms'))
    )
    op.create_table('passage_themes',
    sa.Column('passage_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['passage_id'], ['passages.id'], name=op.f('fk_passage_themes_passage_id_passages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_passage_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('passage_id', 'theme_id', name=op.f('pk_passage_themes'))
    )
    op.create_table('claim_themes',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_themes_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_claim_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('claim_id', 'theme_id', name=op.f('pk_claim_themes'))
    )


def downgrade():
    op.drop_table('claim_themes')
    op.drop_table('passage_themes')
    op.drop_table('passage_terms')
    op.drop_index(op.f('ix_claims_letter_passage_id'), table_name='claims')
    op.drop_index(op.f('ix_claims_haig_passage_id'), table_name='claims')
    op.drop_table('claims')
    op.drop_index(op.f('ix_passages_document_id'), table_name='passages')
    op.drop_table('passages')
    op.drop_table('themes')
    op.drop_table('glossary_terms')
    op.drop_table('documents')
