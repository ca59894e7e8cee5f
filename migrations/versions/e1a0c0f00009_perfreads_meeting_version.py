"""perfreads: the meeting's version, bumped by every change its read shows (the read's ETag)

Revision ID: e1a0c0f00009
Revises: e1a0c0f00008
Create Date: 2026-12-05 00:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e1a0c0f00009'
down_revision = 'e1a0c0f00008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('version')
