"""decisions, the register, signatures and issue

Revision ID: d6e9fc07c8d6
Revises: d5d8ebf6b7c5
Create Date: 2026-11-24 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'd6e9fc07c8d6'
down_revision = 'd5d8ebf6b7c5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('authority', sa.String(length=300), nullable=False),
    sa.Column('recipients_text', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('vote_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('render_state', sa.String(length=20), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('fields_json', sa.Text(), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('signed_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('symbol', sa.String(length=60), nullable=True),
    sa.Column('issued_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_decisions_created_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_decisions_document_id_documents')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'],
                            name=op.f('fk_decisions_issued_by_id_users')),
    sa.ForeignKeyConstraint(['issuer_id'], ['organisations.id'],
                            name=op.f('fk_decisions_issuer_id_organisations')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                            name=op.f('fk_decisions_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signer_id'], ['users.id'],
                            name=op.f('fk_decisions_signer_id_users')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'],
                            name=op.f('fk_decisions_vote_id_votes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('issuer_id', 'year', 'number',
                        name=op.f('uq_decisions_issuer_id_year_number'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_issuer_id'), ['issuer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_meeting_id'), ['meeting_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_signer_id'), ['signer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_state'), ['state'], unique=False)

    op.create_table('decision_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('field_name', sa.String(length=60), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.Column('signed_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                            name=op.f('fk_decision_signatures_decision_id_decisions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_decision_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_signatures')),
    sa.UniqueConstraint('decision_id', 'role',
                        name=op.f('uq_decision_signatures_decision_id_role'))
    )
    with op.batch_alter_table('decision_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_signatures_decision_id'), ['decision_id'],
                              unique=False)

    op.create_table('decision_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                            name=op.f('fk_decision_recipients_decision_id_decisions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_decision_recipients_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_decision_recipients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_recipients'))
    )
    with op.batch_alter_table('decision_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_recipients_decision_id'), ['decision_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_decision_recipients_organisation_id'),
                              ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_recipients_user_id'), ['user_id'],
                              unique=False)

    op.create_table('decision_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                            name=op.f('fk_decision_attachments_decision_id_decisions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_decision_attachments_document_id_documents'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_attachments')),
    sa.UniqueConstraint('decision_id', 'position',
                        name=op.f('uq_decision_attachments_decision_id_position'))
    )
    with op.batch_alter_table('decision_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_attachments_decision_id'),
                              ['decision_id'], unique=False)

    op.create_table('register_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_register_counters_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_counters')),
    sa.UniqueConstraint('organisation_id', 'year',
                        name=op.f('uq_register_counters_organisation_id_year'))
    )


def downgrade():
    op.drop_table('register_counters')
    with op.batch_alter_table('decision_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_attachments_decision_id'))
    op.drop_table('decision_attachments')
    with op.batch_alter_table('decision_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_recipients_user_id'))
        batch_op.drop_index(batch_op.f('ix_decision_recipients_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_decision_recipients_decision_id'))
    op.drop_table('decision_recipients')
    with op.batch_alter_table('decision_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_signatures_decision_id'))
    op.drop_table('decision_signatures')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_state'))
        batch_op.drop_index(batch_op.f('ix_decisions_signer_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_issuer_id'))
    op.drop_table('decisions')
