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

    # A database that already holds complaints gets its figures now (a new one has none to add): the SQL
    # of `flask metrics rebuild` (app/services/complaint_rollup.rebuild) as it was at this revision,
    # frozen here so that a later change to the app's code (or to its models, which may name columns
    # this schema does not have yet) cannot break the upgrade of an old database. Its LOCK and DELETE have
    # nothing to do on a table this transaction has just created.
    bind = op.get_bind()
    if bind.execute(sa.text('SELECT 1 FROM complaint LIMIT 1')).first() is not None:
        bind.execute(sa.text(_rebuild_sql(bind.dialect.name)))


# The Beijing calendar day (or the first day of its month) of a UTC timestamp, and its whole seconds since
# 1970 (floor). SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: the fraction is cut (date() would round
# it); Beijing has had no daylight saving since 1991, so a fixed offset.
_DAY = {'postgresql': "CAST(timezone('Asia/Shanghai', {0}) AS DATE)",
        'sqlite': "date(substr({0}, 1, 19), '+8 hours')"}
_MONTH = {'postgresql': "CAST(date_trunc('month', timezone('Asia/Shanghai', {0})) AS DATE)",
          'sqlite': "date(substr({0}, 1, 19), '+8 hours', 'start of month')"}
_SECONDS = {'postgresql': 'CAST(floor(EXTRACT(epoch FROM {0})) AS BIGINT)',
            'sqlite': "CAST(strftime('%s', substr({0}, 1, 19)) AS BIGINT)"}

# What a complaint adds on the day it was filed, and a counted dispatch (not an upheld send-back) on the day
# it was assigned; each part of the union is one level of the key (nation, university, month, department).
_COMPLAINT_COUNTS = """1 AS total,
    CASE WHEN c.resolution IN ('resolved', 'unresolved') THEN 1 ELSE 0 END AS judged,
    CASE WHEN c.resolution = 'resolved' THEN 1 ELSE 0 END AS resolved,
    CASE WHEN c.satisfaction IS NOT NULL THEN 1 ELSE 0 END AS rated,
    CASE WHEN c.satisfaction IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END AS happy,
    CASE WHEN {handled} THEN 1 ELSE 0 END AS handled,
    CASE WHEN {handled} THEN {closed_seconds} - {created_seconds} ELSE 0 END AS seconds,
    0 AS counted, 0 AS answered, 0 AS on_time"""
_DISPATCH_COUNTS = """0 AS total, 0 AS judged, 0 AS resolved, 0 AS rated, 0 AS happy, 0 AS handled, 0 AS seconds,
    1 AS counted,
    CASE WHEN a.answered_at IS NOT NULL THEN 1 ELSE 0 END AS answered,
    CASE WHEN a.answered_at IS NOT NULL AND a.answered_at <= a.due_at THEN 1 ELSE 0 END AS on_time"""
_COUNTED = "(a.outcome IS NULL OR a.outcome != 'sent_back_upheld')"
_DISPATCHES = f"FROM complaint_assignment AS a JOIN complaint AS c ON c.id = a.complaint_id WHERE {_COUNTED}"
_REBUILD = """INSERT INTO complaint_rollup (grain, university_id, department_id, day, channel, total, judged, resolved,
    rated, happy, handled, seconds, counted, answered, on_time)
SELECT grain, university_id, department_id, day, channel, sum(total), sum(judged), sum(resolved), sum(rated),
    sum(happy), sum(handled), sum(seconds), sum(counted), sum(answered), sum(on_time)
FROM (
    SELECT 'd' AS grain, 0 AS university_id, 0 AS department_id, {day} AS day, c.channel AS channel, {complaint}
    FROM complaint AS c
    UNION ALL
    SELECT 'd', c.university_id, 0, {day}, c.channel, {complaint}
    FROM complaint AS c
    UNION ALL
    SELECT 'm', c.university_id, 0, {month}, '', {complaint}
    FROM complaint AS c
    UNION ALL
    SELECT 'd', c.university_id, d.department_id, {day}, c.channel, {complaint}
    FROM complaint AS c JOIN (SELECT DISTINCT a.complaint_id, a.department_id FROM complaint_assignment AS a
                              WHERE {counted}) AS d ON d.complaint_id = c.id
    UNION ALL
    SELECT 'd', 0, 0, {aday}, c.channel, {dispatch}
    {dispatches}
    UNION ALL
    SELECT 'd', c.university_id, 0, {aday}, c.channel, {dispatch}
    {dispatches}
    UNION ALL
    SELECT 'm', c.university_id, 0, {amonth}, '', {dispatch}
    {dispatches}
    UNION ALL
    SELECT 'd', c.university_id, a.department_id, {aday}, c.channel, {dispatch}
    {dispatches}
) AS everything
GROUP BY grain, university_id, department_id, day, channel"""


def _rebuild_sql(dialect):
    day, month, seconds = _DAY[dialect], _MONTH[dialect], _SECONDS[dialect]
    handled = "c.closed_at IS NOT NULL AND c.resolution IN ('resolved', 'unresolved', 'unrated')"
    complaint = _COMPLAINT_COUNTS.format(handled=handled, closed_seconds=seconds.format('c.closed_at'),
                                         created_seconds=seconds.format('c.created_at'))
    return _REBUILD.format(day=day.format('c.created_at'), month=month.format('c.created_at'),
                           aday=day.format('a.assigned_at'), amonth=month.format('a.assigned_at'),
                           complaint=complaint, dispatch=_DISPATCH_COUNTS, counted=_COUNTED,
                           dispatches=_DISPATCHES)


def downgrade():
    with op.batch_alter_table('complaint_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_assignment_open', postgresql_where=sa.text('answered_at IS NULL'),
                            sqlite_where=sa.text('answered_at IS NULL'))

    with op.batch_alter_table('complaint_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_rollup_grain_day')

    op.drop_table('complaint_rollup')
