"""agenda: when each invitee first opened the published meeting, and the notice of agenda
changes they have not seen

Revision ID: e1a0c0f00007
Revises: e1a0c0f00005
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'e1a0c0f00007'
down_revision = 'e1a0c0f00005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('changes_unseen_since', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_column('changes_unseen_since')
        batch_op.drop_column('opened_at')
