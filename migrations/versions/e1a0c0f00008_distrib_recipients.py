"""decisions: one list of recipients (distrib) -- the Nơi nhận lines as rows, each recipient's
delivery and first opening; the printed text field goes

Before, a decision's printed "Nơi nhận" (decisions.recipients_text) and the organisations and
people who could read it (decision_recipients) were two sources that could disagree. Now every
line of the block is a row of decision_recipients, in order, and a row naming an organisation
or a person is a recipient: printed, reader, told on issue.

Existing data: each printed line becomes a row in its printed order; a line naming an
organisation of the directory (by its name) is that organisation's row -- a printed recipient
now reads the decision, as it was meant to; a reader row that was not printed is kept (reading
is not taken away) and placed before the archive line. As the layout printed it, an empty block
is "Như trên" and a block without an archive line gets "Lưu: VT". Nothing was delivered before:
delivered_at stays empty for documents issued earlier.

Revision ID: e1a0c0f00008
Revises: e1a0c0f00007
Create Date: 2026-12-05 10:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

import ecabinet.extensions

# revision identifiers, used by Alembic.
revision = 'e1a0c0f00008'
down_revision = 'e1a0c0f00007'
branch_labels = None
depends_on = None

_DECORATION = re.compile(r"^[\s\-–•+]+|[\s;.,]+$")
_PURPOSE = re.compile(r"\s*\([^)]*\)$")

decisions = sa.table('decisions', sa.column('id', sa.Integer),
                     sa.column('recipients_text', sa.Text))
recipients = sa.table('decision_recipients', sa.column('id', sa.Integer),
                      sa.column('decision_id', sa.Integer), sa.column('user_id', sa.Integer),
                      sa.column('organisation_id', sa.Integer),
                      sa.column('position', sa.Integer), sa.column('label', sa.String))
organisations = sa.table('organisations', sa.column('id', sa.Integer),
                         sa.column('name', sa.String))
users = sa.table('users', sa.column('id', sa.Integer), sa.column('name', sa.String))


def _bare(line):
    return _DECORATION.sub("", line or "").strip()


def _key(text):
    return " ".join(text.split()).casefold()


def _lines_of(conn, decision_id, text, directory, org_names, user_names):
    """The block of one decision: (row id or None, organisation id, user id, label) in order."""
    rows = conn.execute(sa.select(recipients.c.id, recipients.c.organisation_id,
                                  recipients.c.user_id)
                        .where(recipients.c.decision_id == decision_id)
                        .order_by(recipients.c.id)).all()
    by_org, by_user, seen = {}, {}, set()
    for row in rows:
        key = (row.organisation_id, row.user_id)
        if key in seen or key == (None, None):  # a duplicate (the new constraint refuses it)
            conn.execute(sa.delete(recipients).where(recipients.c.id == row.id))
            continue
        seen.add(key)
        if row.organisation_id is not None:
            by_org[row.organisation_id] = row.id
        else:
            by_user[row.user_id] = row.id
    printed = [line for line in (_bare(x)[:300] for x in (text or "").split("\n")) if line]
    if not printed:
        printed = ["Như trên"]
    block, used = [], set()
    for line in printed:
        org = directory.get(_key(line)) or directory.get(_key(_PURPOSE.sub("", line)))
        if org is not None and org not in used:
            used.add(org)
            block.append((by_org.pop(org, None), org, None, line))
        else:
            block.append((None, None, None, line))
    unprinted = [(row_id, org, None, org_names.get(org, "")[:300])
                 for org, row_id in by_org.items()]
    unprinted += [(row_id, None, user, user_names.get(user, "")[:300])
                  for user, row_id in by_user.items()]
    archive = next((i for i, line in enumerate(block) if line[3].startswith("Lưu")), None)
    if archive is None:
        block += unprinted + [(None, None, None, "Lưu: VT")]
    else:
        block[archive:archive] = unprinted
    return block


def upgrade():
    with op.batch_alter_table('decision_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('label', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('delivered_at',
                                      ecabinet.extensions.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('first_opened_at',
                                      ecabinet.extensions.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('first_opened_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_decision_recipients_first_opened_by_id_users'), 'users',
            ['first_opened_by_id'], ['id'], ondelete='SET NULL')

    conn = op.get_bind()
    org_names = dict(conn.execute(sa.select(organisations.c.id, organisations.c.name)).all())
    user_names = dict(conn.execute(sa.select(users.c.id, users.c.name)).all())
    directory = {_key(name): org_id for org_id, name in org_names.items()}
    for decision_id, text in conn.execute(
            sa.select(decisions.c.id, decisions.c.recipients_text)).all():
        block = _lines_of(conn, decision_id, text, directory, org_names, user_names)
        for position, (row_id, org, user, label) in enumerate(block, start=1):
            if row_id is None:
                conn.execute(sa.insert(recipients).values(
                    decision_id=decision_id, organisation_id=org, user_id=user,
                    position=position, label=label))
            else:
                conn.execute(sa.update(recipients).where(recipients.c.id == row_id)
                             .values(position=position, label=label))

    with op.batch_alter_table('decision_recipients', schema=None) as batch_op:
        batch_op.alter_column('position', server_default=None)
        batch_op.alter_column('label', server_default=None)
        batch_op.create_unique_constraint(
            batch_op.f('uq_decision_recipients_decision_id_organisation_id'),
            ['decision_id', 'organisation_id'])
        batch_op.create_unique_constraint(
            batch_op.f('uq_decision_recipients_decision_id_user_id'), ['decision_id', 'user_id'])
    # Not in batch mode: on SQLite a batch copies `decisions` and drops the original, and with
    # foreign keys on that drop deletes every signature, attachment and recipient row (ON
    # DELETE CASCADE). SQLite >= 3.35 drops a plain column in place.
    op.drop_column('decisions', 'recipients_text')


def downgrade():
    # In place (see upgrade); the empty default stays (the models never compare it).
    op.add_column('decisions', sa.Column('recipients_text', sa.Text(), nullable=False,
                                         server_default=''))
    conn = op.get_bind()
    blocks = {}
    for decision_id, label in conn.execute(
            sa.select(recipients.c.decision_id, recipients.c.label)
            .order_by(recipients.c.decision_id, recipients.c.position, recipients.c.id)).all():
        blocks.setdefault(decision_id, []).append(label)
    for decision_id, lines in blocks.items():
        conn.execute(sa.update(decisions).where(decisions.c.id == decision_id)
                     .values(recipients_text="\n".join(lines)))
    conn.execute(sa.delete(recipients).where(recipients.c.organisation_id.is_(None),
                                             recipients.c.user_id.is_(None)))
    with op.batch_alter_table('decision_recipients', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_decision_recipients_decision_id_user_id'),
                                 type_='unique')
        batch_op.drop_constraint(
            batch_op.f('uq_decision_recipients_decision_id_organisation_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_decision_recipients_first_opened_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('first_opened_by_id')
        batch_op.drop_column('first_opened_at')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('label')
        batch_op.drop_column('position')
