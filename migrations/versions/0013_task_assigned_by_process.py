"""human_task.assigned_by_process: the process named the task's one person (the BPMN `assignee`), which a
claim never does; such a task cannot be unclaimed

Revision ID: 0013_task_assigned_by_process
Revises: 0012_complaint_keywords
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_task_assigned_by_process'
down_revision = '0012_complaint_keywords'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_by_process', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # The one shipped task with a BPMN `assignee`: the student's rating of the answer to a complaint
    # (workflows/complaint.bpmn, Task_rate). Its assigned rows were assigned by the process, never claimed
    # (a student's task is not in any group). Rows an unclaim already emptied stay empty: the health check
    # lists them (ready, with neither assignee nor organisation).
    op.execute("UPDATE human_task SET assigned_by_process = true "
               "WHERE process_key = 'complaint' AND bpmn_id = 'Task_rate' AND assignee_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('assigned_by_process')
