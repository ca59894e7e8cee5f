"""e2e: verifiable secret votes (issue 10): the vote's key, its trustees, encrypted ballots

Revision ID: e1a0c0f0e2e1
Revises: e1a0c0f00009
Create Date: 2026-12-05 00:00:00

"""
import sqlalchemy as sa
from alembic import op

import ecabinet.extensions

# revision identifiers, used by Alembic.
revision = 'e1a0c0f0e2e1'
down_revision = 'e1a0c0f00009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verifiable', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('public_key', sa.String(length=64), nullable=True))
    op.create_table(
        'e2e_vote_keys',
        sa.Column('vote_id', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.Column('trustee_count', sa.Integer(), nullable=False),
        sa.Column('commitments', sa.JSON(), nullable=False),
        sa.Column('products', sa.JSON(), nullable=True),
        sa.Column('ballots_counted', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('vote_id'))
    op.create_table(
        'e2e_vote_trustees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('vote_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('wrapped_share', sa.JSON(), nullable=False),
        sa.Column('decryption', sa.JSON(), nullable=True),
        sa.Column('decrypted_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('vote_id', 'number'),
        sa.UniqueConstraint('vote_id', 'user_id'))
    op.create_index(op.f('ix_e2e_vote_trustees_vote_id'), 'e2e_vote_trustees', ['vote_id'],
                    unique=False)
    op.create_table(
        'e2e_ballots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('vote_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('tracking_code', sa.String(length=64), nullable=False),
        sa.Column('ballot', sa.JSON(), nullable=False),
        sa.Column('cast_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('vote_id', 'tracking_code'),
        sa.UniqueConstraint('vote_id', 'user_id'))
    op.create_index(op.f('ix_e2e_ballots_vote_id'), 'e2e_ballots', ['vote_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_e2e_ballots_vote_id'), table_name='e2e_ballots')
    op.drop_table('e2e_ballots')
    op.drop_index(op.f('ix_e2e_vote_trustees_vote_id'), table_name='e2e_vote_trustees')
    op.drop_table('e2e_vote_trustees')
    op.drop_table('e2e_vote_keys')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('public_key')
        batch_op.drop_column('verifiable')
