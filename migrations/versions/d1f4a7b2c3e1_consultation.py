"""consultation rounds: comments, replies, answers

Revision ID: d1f4a7b2c3e1
Revises: c9e3a2b4d5f6
Create Date: 2026-11-24 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'd1f4a7b2c3e1'
down_revision = 'c9e3a2b4d5f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('deadline', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_consultation_rounds_created_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_consultation_rounds_document_id_documents'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'],
                            name=op.f('fk_consultation_rounds_version_id_document_versions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_rounds'))
    )
    with op.batch_alter_table('consultation_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_rounds_document_id'), ['document_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_rounds_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_rounds_version_id'), ['version_id'],
                              unique=False)

    op.create_table('consultation_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['consultation_rounds.id'],
                            name=op.f('fk_consultation_reviewers_round_id_consultation_rounds'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_consultation_reviewers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_reviewers')),
    sa.UniqueConstraint('round_id', 'user_id',
                        name=op.f('uq_consultation_reviewers_round_id_user_id'))
    )
    with op.batch_alter_table('consultation_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_reviewers_round_id'), ['round_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_reviewers_user_id'), ['user_id'],
                              unique=False)

    op.create_table('consultation_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                            name=op.f('fk_consultation_comments_author_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['consultation_comments.id'],
                            name=op.f('fk_consultation_comments_parent_id_consultation_comments'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['consultation_rounds.id'],
                            name=op.f('fk_consultation_comments_round_id_consultation_rounds'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_comments'))
    )
    with op.batch_alter_table('consultation_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_comments_author_id'), ['author_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_comments_parent_id'), ['parent_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_comments_round_id'), ['round_id'],
                              unique=False)

    op.create_table('consultation_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                            name=op.f('fk_consultation_answers_answered_by_id_users')),
    sa.ForeignKeyConstraint(['comment_id'], ['consultation_comments.id'],
                            name=op.f('fk_consultation_answers_comment_id_consultation_comments'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_answers')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_consultation_answers_comment_id'))
    )


def downgrade():
    op.drop_table('consultation_answers')
    with op.batch_alter_table('consultation_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_comments_round_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_comments_parent_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_comments_author_id'))
    op.drop_table('consultation_comments')
    with op.batch_alter_table('consultation_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_reviewers_user_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_reviewers_round_id'))
    op.drop_table('consultation_reviewers')
    with op.batch_alter_table('consultation_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_rounds_version_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_rounds_state'))
        batch_op.drop_index(batch_op.f('ix_consultation_rounds_document_id'))
    op.drop_table('consultation_rounds')
