"""sign-in records, the account back-off, TOTP secrets encrypted at rest

Revision ID: e1a0c0f00002
Revises: e1a0c0f00006
Create Date: 2026-12-05 03:30:00

The TOTP secrets already stored are encrypted here with the deployment's data key: the app's
``DATA_KEY`` (ECABINET_DATA_KEY, else the key generated into the instance folder, exactly as the
running app will read it), since ``ecabinet db upgrade`` runs inside the app. Keep that key: it
is not in the database, and without it the second factors cannot be read (users would have to
enrol again).
"""
from alembic import op
import sqlalchemy as sa

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'e1a0c0f00002'
down_revision = 'e1a0c0f00006'
branch_labels = None
depends_on = None

SECRET_COLUMNS = ('totp_secret', 'totp_pending_secret')


def _cipher():
    from flask import current_app

    from ecabinet.identity.at_rest import cipher_for

    return cipher_for(current_app.config['DATA_KEY'])


def _rewrite_secrets(change):
    """Apply ``change`` to every stored TOTP secret (plain → sealed, or back)."""
    users = sa.table('users', sa.column('id', sa.Integer),
                     *(sa.column(name, sa.String) for name in SECRET_COLUMNS))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users).where(sa.or_(
        *(users.c[name].is_not(None) for name in SECRET_COLUMNS)))).all()
    for row in rows:
        values = {name: change(row._mapping[name]) for name in SECRET_COLUMNS
                  if row._mapping[name] is not None}
        connection.execute(users.update().where(users.c.id == row.id).values(**values))


def upgrade():
    op.create_table('sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_from', sa.String(length=64), nullable=True),
    sa.Column('refused_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_ins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ins')),
    sa.UniqueConstraint('key', name=op.f('uq_sign_ins_key'))
    )
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_ins_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', ecabinet.extensions.UTCDateTime(timezone=True), nullable=True))
        for name in SECRET_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=64),
                                  type_=sa.String(length=255), existing_nullable=True)

    cipher = _cipher()
    _rewrite_secrets(lambda plain: cipher.encrypt(plain.encode()).decode('ascii'))


def downgrade():
    cipher = _cipher()
    _rewrite_secrets(lambda sealed: cipher.decrypt(sealed.encode('ascii')).decode())

    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in SECRET_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=255),
                                  type_=sa.String(length=64), existing_nullable=True)
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')

    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_ins_user_id'))

    op.drop_table('sign_ins')
