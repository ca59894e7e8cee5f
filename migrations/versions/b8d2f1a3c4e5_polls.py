"""written polls

Revision ID: b8d2f1a3c4e5
Revises: a7c1e0f2b3d4
Create Date: 2026-11-23 21:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'b8d2f1a3c4e5'
down_revision = 'a7c1e0f2b3d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=1000), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('deadline', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('missing_counts_as', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_polls_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_status'), ['status'], unique=False)

    op.create_table('poll_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reminded_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'],
                            name=op.f('fk_poll_recipients_poll_id_polls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_poll_recipients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_recipients')),
    sa.UniqueConstraint('poll_id', 'user_id', name=op.f('uq_poll_recipients_poll_id_user_id'))
    )
    with op.batch_alter_table('poll_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_recipients_poll_id'), ['poll_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_poll_recipients_user_id'), ['user_id'], unique=False)

    op.create_table('poll_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'],
                            name=op.f('fk_poll_responses_poll_id_polls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_poll_responses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_responses')),
    sa.UniqueConstraint('poll_id', 'user_id', name=op.f('uq_poll_responses_poll_id_user_id'))
    )
    with op.batch_alter_table('poll_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_responses_poll_id'), ['poll_id'], unique=False)


def downgrade():
    with op.batch_alter_table('poll_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_responses_poll_id'))
    op.drop_table('poll_responses')
    with op.batch_alter_table('poll_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_recipients_user_id'))
        batch_op.drop_index(batch_op.f('ix_poll_recipients_poll_id'))
    op.drop_table('poll_recipients')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polls_status'))
    op.drop_table('polls')
