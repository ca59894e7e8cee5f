"""meeting packs built in the job queue: their progress

Revision ID: e1a0c0f00005
Revises: e1a0c0f00002
Create Date: 2026-12-05 03:30:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'e1a0c0f00005'
down_revision = 'e1a0c0f00002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pack_builds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('cache_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('updated_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                            name=op.f('fk_pack_builds_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pack_builds')),
    sa.UniqueConstraint('cache_key', name=op.f('uq_pack_builds_cache_key'))
    )
    with op.batch_alter_table('pack_builds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pack_builds_meeting_id'), ['meeting_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('pack_builds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pack_builds_meeting_id'))

    op.drop_table('pack_builds')
