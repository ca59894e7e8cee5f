"""written polls: dossier documents and signed ballots

Revision ID: d7fa0d18d9e7
Revises: d6e9fc07c8d6
Create Date: 2026-11-24 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'd7fa0d18d9e7'
down_revision = 'd6e9fc07c8d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('poll_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('attached_by_id', sa.Integer(), nullable=True),
    sa.Column('attached_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attached_by_id'], ['users.id'], name=op.f('fk_poll_documents_attached_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_poll_documents_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_documents_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_documents')),
    sa.UniqueConstraint('poll_id', 'document_id', name=op.f('uq_poll_documents_poll_id_document_id'))
    )
    with op.batch_alter_table('poll_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_documents_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_poll_documents_poll_id'), ['poll_id'], unique=False)

    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_ballots', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('poll_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ballot_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('poll_responses', schema=None) as batch_op:
        batch_op.drop_column('ballot_sha256')

    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_column('signed_ballots')

    with op.batch_alter_table('poll_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_documents_poll_id'))
        batch_op.drop_index(batch_op.f('ix_poll_documents_document_id'))

    op.drop_table('poll_documents')
