"""covering indexes for the scope=all inbox (one per visible part)

Revision ID: 0010_inbox_all_indexes
Revises: 0009_complaint_rollup
Create Date: 2026-11-22 02:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_inbox_all_indexes'
down_revision = '0009_complaint_rollup'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_assignee_all', ['assignee_id', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_human_task_completed_all', ['completed_by', 'due_at', 'id'], unique=False,
                              postgresql_include=['assignee_id'])
        batch_op.create_index('ix_human_task_role_org_all', ['role', 'org_id', 'due_at', 'id'], unique=False,
                              postgresql_include=['assignee_id', 'completed_by'])
        # its (role, org_id) prefix is the new index's
        batch_op.drop_index('ix_human_task_role_org')


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_role_org', ['role', 'org_id'], unique=False)
        batch_op.drop_index('ix_human_task_role_org_all')
        batch_op.drop_index('ix_human_task_completed_all')
        batch_op.drop_index('ix_human_task_assignee_all')
