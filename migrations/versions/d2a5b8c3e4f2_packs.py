"""meeting packs and read receipts

Revision ID: d2a5b8c3e4f2
Revises: d1f4a7b2c3e1
Create Date: 2026-11-24 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'd2a5b8c3e4f2'
down_revision = 'd1f4a7b2c3e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('cache_key', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('layout', sa.Text(), nullable=False),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                            name=op.f('fk_meeting_packs_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_packs')),
    sa.UniqueConstraint('cache_key', name=op.f('uq_meeting_packs_cache_key'))
    )
    with op.batch_alter_table('meeting_packs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_packs_meeting_id'), ['meeting_id'],
                              unique=False)

    op.create_table('read_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_opened_at', ecabinet.extensions.UTCDateTime(timezone=True),
              nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_read_receipts_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'],
                            name=op.f('fk_read_receipts_version_id_document_versions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_read_receipts')),
    sa.UniqueConstraint('version_id', 'user_id',
                        name=op.f('uq_read_receipts_version_id_user_id'))
    )
    with op.batch_alter_table('read_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_receipts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('read_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_read_receipts_user_id'))
    op.drop_table('read_receipts')
    with op.batch_alter_table('meeting_packs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_packs_meeting_id'))
    op.drop_table('meeting_packs')
