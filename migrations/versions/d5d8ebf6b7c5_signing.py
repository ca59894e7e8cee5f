"""signing keys, certificates and signature images

Revision ID: d5d8ebf6b7c5
Revises: d4c7dae5a6b4
Create Date: 2026-11-24 00:00:00

"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'd5d8ebf6b7c5'
down_revision = 'd4c7dae5a6b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('store', sa.String(length=10), nullable=False),
    sa.Column('token_label', sa.String(length=64), nullable=True),
    sa.Column('key_label', sa.String(length=64), nullable=True),
    sa.Column('pkcs12', sa.LargeBinary(), nullable=True),
    sa.Column('certificate', sa.LargeBinary(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('serial', sa.String(length=80), nullable=False),
    sa.Column('not_before', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_after', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pin_failures', sa.Integer(), nullable=False),
    sa.Column('locked_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_signing_keys_organisation_id_organisations'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_signing_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys'))
    )
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_keys_organisation_id'),
                              ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_keys_user_id'), ['user_id'], unique=False)

    op.create_table('signature_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('png', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_signature_images_organisation_id_organisations'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                            name=op.f('fk_signature_images_uploaded_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_signature_images_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature_images')),
    sa.UniqueConstraint('kind', 'user_id', 'organisation_id',
                        name=op.f('uq_signature_images_kind_user_id_organisation_id'))
    )
    with op.batch_alter_table('signature_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_images_organisation_id'),
                              ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signature_images_user_id'), ['user_id'],
                              unique=False)

    op.create_table('pending_external_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('field_name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('certificate', sa.LargeBinary(), nullable=False),
    sa.Column('prepared_pdf', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_pending_external_signatures_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_external_signatures'))
    )
    with op.batch_alter_table('pending_external_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_external_signatures_user_id'),
                              ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_external_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_external_signatures_user_id'))
    op.drop_table('pending_external_signatures')
    with op.batch_alter_table('signature_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signature_images_user_id'))
        batch_op.drop_index(batch_op.f('ix_signature_images_organisation_id'))
    op.drop_table('signature_images')
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_keys_user_id'))
        batch_op.drop_index(batch_op.f('ix_signing_keys_organisation_id'))
    op.drop_table('signing_keys')
