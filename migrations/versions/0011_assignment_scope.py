"""complaint_assignment carries its complaint's university and channel; covering indexes for the live
overdue figures and the national ranking's month rows

Revision ID: 0011_assignment_scope
Revises: 0010_inbox_all_indexes
Create Date: 2026-11-22 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_assignment_scope'
down_revision = '0010_inbox_all_indexes'
branch_labels = None
depends_on = None

OPEN = sa.text('answered_at IS NULL')
MONTHS = sa.text("grain = 'm'")
COUNTERS = ('total', 'judged', 'resolved', 'rated', 'happy', 'handled', 'seconds', 'counted', 'answered',
            'on_time')


def upgrade():
    with op.batch_alter_table('complaint_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('university_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=30), nullable=True))
    op.execute('UPDATE complaint_assignment SET university_id = complaint.university_id, '
               'channel = complaint.channel FROM complaint WHERE complaint.id = complaint_assignment.complaint_id')
    with op.batch_alter_table('complaint_assignment', schema=None) as batch_op:
        batch_op.alter_column('university_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('channel', existing_type=sa.String(length=30), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_complaint_assignment_university_id_org'), 'org',
                                    ['university_id'], ['id'])
        batch_op.drop_index('ix_complaint_assignment_open', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_complaint_assignment_open', ['due_at'], unique=False,
                              postgresql_include=['university_id', 'channel', 'department_id', 'assigned_at',
                                                  'outcome'],
                              postgresql_where=OPEN, sqlite_where=OPEN)
    with op.batch_alter_table('complaint_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_rollup_months', ['day', 'university_id'], unique=False,
                              postgresql_include=list(COUNTERS), postgresql_where=MONTHS, sqlite_where=MONTHS)


def downgrade():
    with op.batch_alter_table('complaint_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_rollup_months', postgresql_where=MONTHS, sqlite_where=MONTHS)
    with op.batch_alter_table('complaint_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_assignment_open', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_complaint_assignment_open', ['department_id', 'due_at'], unique=False,
                              postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.drop_constraint(batch_op.f('fk_complaint_assignment_university_id_org'), type_='foreignkey')
        batch_op.drop_column('channel')
        batch_op.drop_column('university_id')
