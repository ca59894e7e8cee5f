"""certificates enrolled per user; the certificates of users' current keys enrolled for them

Revision ID: e1a0c0f00003
Revises: d7fa0d18d9e7
Create Date: 2026-12-05 00:00:00

"""
import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import ecabinet.extensions

# revision identifiers, used by Alembic.
revision = 'e1a0c0f00003'
down_revision = 'd7fa0d18d9e7'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('enrolled_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('certificate', sa.LargeBinary(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('serial', sa.String(length=80), nullable=False),
    sa.Column('not_before', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_after', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('enrolled_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['users.id'],
                            name=op.f('fk_enrolled_certificates_enrolled_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'],
                            name=op.f('fk_enrolled_certificates_revoked_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_enrolled_certificates_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolled_certificates')),
    sa.UniqueConstraint('user_id', 'fingerprint',
                        name=op.f('uq_enrolled_certificates_user_id_fingerprint'))
    )
    with op.batch_alter_table('enrolled_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolled_certificates_fingerprint'),
                              ['fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolled_certificates_user_id'), ['user_id'],
                              unique=False)

    # The keys the server already holds for users keep signing: their certificates are the
    # users' (they were made by `ecabinet pki enroll` or given as the user's PKCS#12 file).
    from asn1crypto import x509

    connection = op.get_bind()
    keys = connection.execute(sa.text(
        "SELECT user_id, certificate FROM signing_keys "
        "WHERE user_id IS NOT NULL AND retired_at IS NULL ORDER BY id")).all()
    rows, seen = [], set()
    for user_id, der in keys:
        der = bytes(der)
        fingerprint = hashlib.sha256(der).hexdigest()
        if (user_id, fingerprint) in seen:
            continue
        seen.add((user_id, fingerprint))
        cert = x509.Certificate.load(der)
        rows.append({
            'user_id': user_id, 'fingerprint': fingerprint, 'certificate': der,
            'subject': cert.subject.human_friendly[:500],
            'issuer': cert.issuer.human_friendly[:500],
            'serial': format(cert.serial_number, 'x'),
            'not_before': cert.not_valid_before, 'not_after': cert.not_valid_after,
            'method': 'key', 'enrolled_by_id': None, 'enrolled_at': datetime.now(UTC),
            'revoked_at': None, 'revoked_by_id': None})
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    with op.batch_alter_table('enrolled_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolled_certificates_user_id'))
        batch_op.drop_index(batch_op.f('ix_enrolled_certificates_fingerprint'))

    op.drop_table('enrolled_certificates')
