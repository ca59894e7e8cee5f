"""tasks: the follow-up of the tasks the Government assigns (issue 12)

Tasks from a conclusions notice, a decision, a vote or a poll; their coordinating
organisations, progress and done reports (with documents) and extension requests. Overdue is
computed, not stored.

Revision ID: tasks0001
Revises: orgs0001
Create Date: 2026-12-05 11:48:02.824605

"""
import sqlalchemy as sa
from alembic import op

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'tasks0001'
down_revision = 'orgs0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=1000), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('article', sa.String(length=100), nullable=True),
    sa.Column('vote_id', sa.Integer(), nullable=True),
    sa.Column('poll_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('original_deadline', sa.Date(), nullable=True),
    sa.Column('expected_product', sa.String(length=1000), nullable=True),
    sa.Column('product_required', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('result_document_id', sa.Integer(), nullable=True),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tasks_created_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_tasks_decision_id_decisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['organisations.id'], name=op.f('fk_tasks_lead_id_organisations')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_tasks_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_tasks_poll_id_polls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['result_document_id'], ['documents.id'], name=op.f('fk_tasks_result_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_tasks_vote_id_votes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_tasks_lead_status', ['lead_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_status'), ['status'], unique=False)

    op.create_table('task_coordinators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_task_coordinators_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_coordinators_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_coordinators')),
    sa.UniqueConstraint('task_id', 'organisation_id', name=op.f('uq_task_coordinators_task_id_organisation_id'))
    )
    with op.batch_alter_table('task_coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_coordinators_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_coordinators_task_id'), ['task_id'], unique=False)

    op.create_table('task_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('requested_deadline', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('previous_deadline', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_task_extensions_answered_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_task_extensions_requested_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_extensions_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_extensions'))
    )
    with op.batch_alter_table('task_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_extensions_task_id'), ['task_id'], unique=False)

    op.create_table('task_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_task_reports_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_reports_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_reports'))
    )
    with op.batch_alter_table('task_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_reports_task_id'), ['task_id'], unique=False)

    op.create_table('task_report_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_task_report_documents_document_id_documents')),
    sa.ForeignKeyConstraint(['report_id'], ['task_reports.id'], name=op.f('fk_task_report_documents_report_id_task_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_report_documents')),
    sa.UniqueConstraint('report_id', 'document_id', name=op.f('uq_task_report_documents_report_id_document_id'))
    )
    with op.batch_alter_table('task_report_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_report_documents_report_id'), ['report_id'], unique=False)



def downgrade():
    with op.batch_alter_table('task_report_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_report_documents_report_id'))

    op.drop_table('task_report_documents')
    with op.batch_alter_table('task_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_reports_task_id'))

    op.drop_table('task_reports')
    with op.batch_alter_table('task_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_extensions_task_id'))

    op.drop_table('task_extensions')
    with op.batch_alter_table('task_coordinators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_coordinators_task_id'))
        batch_op.drop_index(batch_op.f('ix_task_coordinators_organisation_id'))

    op.drop_table('task_coordinators')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_tasks_meeting_id'))
        batch_op.drop_index('ix_tasks_lead_status')
        batch_op.drop_index(batch_op.f('ix_tasks_lead_id'))
        batch_op.drop_index(batch_op.f('ix_tasks_decision_id'))

    op.drop_table('tasks')
