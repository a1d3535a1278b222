"""complaint figures pre-aggregated per day (complaint_rollup) and the open-dispatch index

Revision ID: 0009_complaint_rollup
Revises: 0008_indexes
Create Date: 2026-11-23 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_complaint_rollup'
down_revision = '0008_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_rollup',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('university_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('judged', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('happy', sa.Integer(), nullable=False),
    sa.Column('handled', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.BigInteger(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'university_id', 'department_id', 'day', 'channel',
                            name=op.f('pk_complaint_rollup'))
    )
    with op.batch_alter_table('complaint_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_rollup_grain_day', ['grain', 'day', 'department_id'], unique=False)

    with op.batch_alter_table('complaint_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_assignment_open', ['department_id', 'due_at'], unique=False,
                              postgresql_where=sa.text('answered_at IS NULL'),
                              sqlite_where=sa.text('answered_at IS NULL'))

    # A database that already holds complaints gets its figures now (a new one has none to add). The
    # same code as `flask metrics rebuild`, which also repairs the table after a bulk load or a restore.
    bind = op.get_bind()
    if bind.execute(sa.text('SELECT 1 FROM complaint LIMIT 1')).first() is not None:
        from app.services.complaint_rollup import rebuild

        rebuild(bind)


def downgrade():
    with op.batch_alter_table('complaint_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_assignment_open', postgresql_where=sa.text('answered_at IS NULL'),
                            sqlite_where=sa.text('answered_at IS NULL'))

    with op.batch_alter_table('complaint_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_rollup_grain_day')

    op.drop_table('complaint_rollup')
