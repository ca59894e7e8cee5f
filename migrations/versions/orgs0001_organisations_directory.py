"""orgs: the organisations directory — identifier (mã định danh), contact details, parent, active

Organisations made before have no identifier: the column stays nullable (unique when set), and
the directory's services ask for one on every new organisation.

Revision ID: orgs0001
Revises: axis0001
Create Date: 2026-12-05 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'orgs0001'
down_revision = 'axis0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('telephone', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('fax', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.create_unique_constraint(batch_op.f('uq_organisations_identifier'),
                                          ['identifier'])
        batch_op.create_index(batch_op.f('ix_organisations_parent_id'), ['parent_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_organisations_parent_id_organisations'),
                                    'organisations', ['parent_id'], ['id'])


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisations_parent_id_organisations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_organisations_parent_id'))
        batch_op.drop_constraint(batch_op.f('uq_organisations_identifier'), type_='unique')
        batch_op.drop_column('active')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('website')
        batch_op.drop_column('fax')
        batch_op.drop_column('telephone')
        batch_op.drop_column('email')
        batch_op.drop_column('address')
        batch_op.drop_column('identifier')
