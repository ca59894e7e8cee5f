"""private annotations of the tablet viewer

Revision ID: d3b6c9d4f5a3
Revises: d2a5b8c3e4f2
Create Date: 2026-11-24 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'd3b6c9d4f5a3'
down_revision = 'd2a5b8c3e4f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_annotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('x', sa.Float(), nullable=False),
    sa.Column('y', sa.Float(), nullable=False),
    sa.Column('width', sa.Float(), nullable=False),
    sa.Column('height', sa.Float(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_document_annotations_user_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'],
                            name=op.f('fk_document_annotations_version_id_document_versions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_annotations'))
    )
    with op.batch_alter_table('document_annotations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_annotations_user_id'), ['user_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_document_annotations_version_id'), ['version_id'],
                              unique=False)

    op.create_table('document_presentations',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('presenter_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_document_presentations_document_id_documents'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                            name=op.f('fk_document_presentations_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['presenter_id'], ['users.id'],
                            name=op.f('fk_document_presentations_presenter_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_document_presentations'))
    )


def downgrade():
    op.drop_table('document_presentations')
    with op.batch_alter_table('document_annotations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_annotations_version_id'))
        batch_op.drop_index(batch_op.f('ix_document_annotations_user_id'))
    op.drop_table('document_annotations')
