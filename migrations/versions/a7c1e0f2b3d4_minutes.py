"""minutes: versions of the minutes (biên bản) and the conclusions notice (thông báo kết luận)

Revision ID: a7c1e0f2b3d4
Revises: 6bba7d575497
Create Date: 2026-11-23 20:59:47.665153

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'a7c1e0f2b3d4'
down_revision = '6bba7d575497'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('minutes_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_minutes_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_minutes_versions_locked_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_minutes_versions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_versions')),
    sa.UniqueConstraint('meeting_id', 'kind', 'number', name=op.f('uq_minutes_versions_meeting_id_kind_number'))
    )
    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_versions_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('minutes_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_versions_meeting_id'))

    op.drop_table('minutes_versions')
