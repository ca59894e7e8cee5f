"""audit: an entry may be written before it is linked into the chain (perflive)

A ballot's audit entry is committed with the ballot and linked into the chain (seq, prev_hash,
hash) right after, by a linker that links every entry committed meanwhile in one transaction:
the chain's head row lock no longer serialises the ballots' commits (bench/README.md). Until it
is linked an entry has no seq; the partial index finds those.

Revision ID: perflive0001
Revises: e1a0c0f0e2e1
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'perflive0001'
down_revision = 'e1a0c0f0e2e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
    op.create_index('ix_audit_entries_unlinked', 'audit_entries', ['id'], unique=False,
                    postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))


def downgrade():
    # Entries not linked yet cannot be kept under NOT NULL: link them first (ecabinet audit
    # verify does).
    op.drop_index('ix_audit_entries_unlinked', table_name='audit_entries')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
