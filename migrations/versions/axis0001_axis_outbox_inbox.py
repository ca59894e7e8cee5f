"""axis: the outbox and inbox of the document exchange service (issue 11, transport)

axis_outgoing: packages to send, stored before the first attempt, retried with back-off;
axis_incoming: packages received, kept (unique remote id) before the service is told "done".

Revision ID: axis0001
Revises: perflive0001
Create Date: 2026-12-05 11:49:20.554014

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'axis0001'
down_revision = 'perflive0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('axis_incoming',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=100), nullable=False),
    sa.Column('sender', sa.String(length=100), nullable=False),
    sa.Column('messagetype', sa.String(length=10), nullable=False),
    sa.Column('package_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('fetched_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_axis_incoming')),
    sa.UniqueConstraint('remote_id', name=op.f('uq_axis_incoming_remote_id'))
    )
    with op.batch_alter_table('axis_incoming', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_axis_incoming_state'), ['state'], unique=False)

    op.create_table('axis_outgoing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('messagetype', sa.String(length=10), nullable=False),
    sa.Column('package_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('remote_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_axis_outgoing'))
    )
    with op.batch_alter_table('axis_outgoing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_axis_outgoing_remote_id'), ['remote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_axis_outgoing_state'), ['state'], unique=False)



def downgrade():
    with op.batch_alter_table('axis_outgoing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_axis_outgoing_state'))
        batch_op.drop_index(batch_op.f('ix_axis_outgoing_remote_id'))

    op.drop_table('axis_outgoing')
    with op.batch_alter_table('axis_incoming', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_axis_incoming_state'))

    op.drop_table('axis_incoming')
