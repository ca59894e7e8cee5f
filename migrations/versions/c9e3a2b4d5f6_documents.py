"""documents: uploads, versions with their rendered PDF, agenda item dossiers

Revision ID: c9e3a2b4d5f6
Revises: b8d2f1a3c4e5
Create Date: 2026-11-23 22:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'c9e3a2b4d5f6'
down_revision = 'b8d2f1a3c4e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('classification', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_documents_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_created_by_id'), ['created_by_id'],
                              unique=False)

    op.create_table('document_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.String(length=40), nullable=True),
    sa.Column('error_detail', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('converted_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_document_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_document_versions_document_id_documents'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_versions')),
    sa.UniqueConstraint('document_id', 'number',
                        name=op.f('uq_document_versions_document_id_number'))
    )
    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_versions_document_id'), ['document_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_document_versions_state'), ['state'], unique=False)

    op.create_table('agenda_item_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('attached_by_id', sa.Integer(), nullable=True),
    sa.Column('attached_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attached_by_id'], ['users.id'],
                            name=op.f('fk_agenda_item_documents_attached_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_agenda_item_documents_document_id_documents'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'],
                            name=op.f('fk_agenda_item_documents_item_id_agenda_items'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item_documents')),
    sa.UniqueConstraint('item_id', 'document_id',
                        name=op.f('uq_agenda_item_documents_item_id_document_id'))
    )
    with op.batch_alter_table('agenda_item_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_documents_document_id'),
                              ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_item_documents_item_id'), ['item_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('agenda_item_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_documents_item_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_item_documents_document_id'))
    op.drop_table('agenda_item_documents')
    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_versions_state'))
        batch_op.drop_index(batch_op.f('ix_document_versions_document_id'))
    op.drop_table('document_versions')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_created_by_id'))
    op.drop_table('documents')
