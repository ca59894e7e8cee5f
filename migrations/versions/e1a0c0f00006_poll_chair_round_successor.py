"""written polls: the chair the consolidated result goes to; consultation rounds: the round
a round was moved to on a new version

Revision ID: e1a0c0f00006
Revises: e1a0c0f00003
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a0c0f00006'
down_revision = 'e1a0c0f00003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chair_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_polls_chair_id_users'), 'users',
                                    ['chair_id'], ['id'])
    with op.batch_alter_table('consultation_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_consultation_rounds_successor_id_consultation_rounds'),
            'consultation_rounds', ['successor_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('consultation_rounds', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_consultation_rounds_successor_id_consultation_rounds'),
            type_='foreignkey')
        batch_op.drop_column('successor_id')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_polls_chair_id_users'), type_='foreignkey')
        batch_op.drop_column('chair_id')
