"""the hot-topic keyword index (complaint_keyword) and the complaints not yet in it

Revision ID: 0012_complaint_keywords
Revises: 0011_assignment_scope
Create Date: 2026-11-22 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_complaint_keywords'
down_revision = '0011_assignment_scope'
branch_labels = None
depends_on = None

PENDING = sa.text("keywords_indexed_at IS NULL AND channel != 'psych_hotline'")
OVERLONG = sa.text('keyword IS NULL')


def upgrade():
    # Every existing complaint starts out pending: the hot-topic counts segment them live (exactly as
    # before) until `flask --app wsgi hot-topics index` or the hourly spike scan has indexed them. No
    # text is segmented here.
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keywords_indexed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_complaint_keywords_pending', ['created_at', 'id'], unique=False,
                              postgresql_where=PENDING, sqlite_where=PENDING)

    op.create_table('complaint_keyword',
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('keyword', sa.String(length=64), nullable=True),
    sa.Column('university_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'],
                            name=op.f('fk_complaint_keyword_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('complaint_id', 'position', name=op.f('pk_complaint_keyword'))
    )
    with op.batch_alter_table('complaint_keyword', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_keyword_week', ['week', 'keyword'], unique=False,
                              postgresql_include=['university_id', 'created_at', 'complaint_id', 'position'])
        batch_op.create_index('ix_complaint_keyword_university_week', ['university_id', 'week', 'keyword'],
                              unique=False, postgresql_include=['created_at', 'complaint_id', 'position'])
        batch_op.create_index('ix_complaint_keyword_overlong', ['week', 'complaint_id'], unique=False,
                              postgresql_where=OVERLONG, sqlite_where=OVERLONG)


def downgrade():
    with op.batch_alter_table('complaint_keyword', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_keyword_overlong', postgresql_where=OVERLONG, sqlite_where=OVERLONG)
        batch_op.drop_index('ix_complaint_keyword_university_week')
        batch_op.drop_index('ix_complaint_keyword_week')

    op.drop_table('complaint_keyword')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_keywords_pending', postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.drop_column('keywords_indexed_at')
