"""votes: no secret counters any more; every secret vote is end-to-end verifiable (issue 10)

A secret ballot used to update the member's eligibility row and the vote's counter in one
transaction: with the database in hand (the SQLite WAL replayed commit by commit, PostgreSQL's
dead row versions matched to audit transaction ids) that linked every voter to a choice. Secret
votes are now encrypted on the tablets and only their sums are decrypted by the trustees, so the
counters go. Closed votes keep their result in ``tally_*`` (and ``verifiable`` false: they
have no record to publish). A secret vote still open on the old
path would lose its ballots: the upgrade refuses until it is closed.

Revision ID: e2e0001
Revises: tasks0001
Create Date: 2026-12-05 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2e0001'
down_revision = 'tasks0001'
branch_labels = None
depends_on = None


def upgrade():
    open_ids = op.get_bind().execute(sa.text(
        "SELECT id FROM votes WHERE secret AND NOT verifiable AND status = 'open'")).scalars().all()
    if open_ids:
        raise RuntimeError(f"secret vote(s) {sorted(open_ids)} still open on the old counted "
                           "path: close them with the previous version, then upgrade")
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('secret_yes')
        batch_op.drop_column('secret_no')
        batch_op.drop_column('secret_abstain')


def downgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        for name in ('secret_abstain', 'secret_no', 'secret_yes'):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default='0'))
