"""Keeps `complaint_rollup` (app/models/complaint_rollup.py) exact, in the transaction of every change.

One rule, one place: a complaint's share of the rollup is a pure function of its row and its dispatches
(`contribution`). The first time a transaction's flush touches a complaint or a dispatch in a way the
figures can see, the complaint's share is read from the database (its row locked on PostgreSQL, so two
transactions cannot both start from the same old state); just before the transaction commits, the
touched complaints' shares are read again and the difference is added with one upsert in key order (no
deadlock between two writers of the same rows; a hot row is locked for the commit only).
Nothing is stored per complaint: the base rows are the only copy, and `rebuild` (`flask metrics
rebuild`, after a bulk load or a restore) recomputes the whole table from them in SQL with the same
definitions. A Core UPDATE/DELETE of `complaint` or `complaint_assignment` bypasses the hook: the code
has none that touches a column the figures read (hot_topics sets `keywords_indexed_at` only); a bulk
writer (bench/scale.py) calls `rebuild` afterwards. A step that reads a complaint whole and locked anyway
(complaint_steps) hands its share over (`note_loaded`) instead of the hook reading it a second time."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, event, extract, func, inspect, literal, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.schema import Table

from app.core import clock, transaction_scope
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models.complaint import Complaint, ComplaintAssignment
from app.models.complaint_rollup import COUNTERS, ComplaintRollup

Key = tuple[str, int, int, date, str]  # grain, university_id, department_id, day, channel
Counts = dict[str, int]
# A row's columns by name: a dict, or a result row's RowMapping (whose keys may also be column objects).
Columns = Mapping[str, Any] | RowMapping
COMPLAINT_FIELDS = ("university_id", "channel", "created_at", "closed_at", "resolution", "satisfaction")
ASSIGNMENT_FIELDS = ("complaint_id", "department_id", "assigned_at", "due_at", "answered_at", "outcome")
JUDGED = ("resolved", "unresolved")
HAPPY = ("satisfied", "basically_satisfied")
HANDLED = ("resolved", "unresolved", "unrated")  # closed after being handled (not merged, not out of scope)
UPHELD = "sent_back_upheld"  # a misrouted dispatch: not counted against the department
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Declarative classes mapped to tables: their __table__ is a Table (typed as the FromClause it may be).
COMPLAINT = typing.cast(Table, Complaint.__table__)
ASSIGNMENT = typing.cast(Table, ComplaintAssignment.__table__)
ROLLUP = typing.cast(Table, ComplaintRollup.__table__)


def beijing_day(moment: datetime) -> date:
    return clock.as_utc(moment).astimezone(clock.SHANGHAI).date()


def _whole_seconds(moment: datetime) -> int:
    return (clock.as_utc(moment) - _EPOCH) // timedelta(seconds=1)


def counted(outcome: str | None) -> bool:
    return outcome != UPHELD


def contribution(complaint: Columns, assignments: Iterable[Columns]) -> dict[Key, Counts]:
    """What one complaint adds to the rollup, from its row and its dispatches (mappings of the columns in
    COMPLAINT_FIELDS / ASSIGNMENT_FIELDS). The definitions are complaint_metrics' (DEFINITIONS)."""
    out: dict[Key, Counts] = {}

    def add(key: Key, counts: Counts) -> None:
        row = out.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name, value in counts.items():
            row[name] += value

    university, channel = int(complaint["university_id"]), str(complaint["channel"])
    day = beijing_day(complaint["created_at"])
    resolution, satisfaction, closed = complaint["resolution"], complaint["satisfaction"], complaint["closed_at"]
    handled = closed is not None and resolution in HANDLED
    figures = {"total": 1, "judged": int(resolution in JUDGED), "resolved": int(resolution == "resolved"),
               "rated": int(satisfaction is not None), "happy": int(satisfaction in HAPPY),
               "handled": int(handled),
               "seconds": _whole_seconds(closed) - _whole_seconds(complaint["created_at"]) if handled else 0}
    for key in (("d", 0, 0, day, channel), ("d", university, 0, day, channel),
                ("m", university, 0, day.replace(day=1), "")):
        add(key, figures)
    dispatches = [a for a in assignments if counted(a["outcome"])]
    for department in {int(a["department_id"]) for a in dispatches}:  # each department's complaints, once
        add(("d", university, department, day, channel), figures)
    for a in dispatches:
        assigned = beijing_day(a["assigned_at"])
        answered = a["answered_at"] is not None
        figures_a = {"counted": 1, "answered": int(answered),
                     "on_time": int(answered and clock.as_utc(a["answered_at"]) <= clock.as_utc(a["due_at"]))}
        for key in (("d", 0, 0, assigned, channel), ("d", university, 0, assigned, channel),
                    ("m", university, 0, assigned.replace(day=1), ""),
                    ("d", university, int(a["department_id"]), assigned, channel)):
            add(key, figures_a)
    return out


# --- the flush hook -------------------------------------------------------------------------------------

def _changed(obj: Any, fields: Sequence[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _touched(session: Session) -> tuple[set[int], list[Any]]:
    """(ids of stored complaints whose figures may change, new objects whose complaint id the flush gives)"""
    ids: set[int] = set()
    pending: list[Any] = []
    for obj in session.new:
        if isinstance(obj, Complaint):
            pending.append(obj)
        elif isinstance(obj, ComplaintAssignment):
            if obj.complaint_id is not None:
                ids.add(obj.complaint_id)
            pending.append(obj)
    for obj in session.dirty:
        if isinstance(obj, Complaint) and _changed(obj, COMPLAINT_FIELDS):
            ids.add(obj.id)
        elif isinstance(obj, ComplaintAssignment) and _changed(obj, ASSIGNMENT_FIELDS):
            history = inspect(obj).attrs.complaint_id.history
            ids.update(i for i in (*history.deleted, *history.unchanged, *history.added) if i is not None)
    for obj in session.deleted:
        if isinstance(obj, Complaint):
            ids.add(obj.id)
        elif isinstance(obj, ComplaintAssignment):
            ids.add(obj.complaint_id)
    ids.discard(None)
    return ids, pending


def _contributions(conn: Connection, ids: Iterable[int], *, lock: bool = False) -> dict[int, dict[Key, Counts]]:
    """The contribution of each of these complaints as the database holds them now (none for an id with
    no row)."""
    ids = sorted(ids)
    if not ids:
        return {}
    # One statement: each complaint with its dispatches (a row per dispatch, or one with NULLs).
    query = (select(COMPLAINT.c.id, *(COMPLAINT.c[f] for f in COMPLAINT_FIELDS),
                    *(ASSIGNMENT.c[f].label(f"a_{f}") for f in ASSIGNMENT_FIELDS))
             .select_from(COMPLAINT.outerjoin(ASSIGNMENT, ASSIGNMENT.c.complaint_id == COMPLAINT.c.id))
             .where(COMPLAINT.c.id.in_(ids)).order_by(COMPLAINT.c.id, ASSIGNMENT.c.id))
    if lock:
        query = query.with_for_update(of=COMPLAINT)  # PostgreSQL; SQLite has one writer anyway
    complaints: dict[int, RowMapping] = {}
    dispatches: dict[int, list[Columns]] = {}
    for row in conn.execute(query).mappings():
        complaints.setdefault(row["id"], row)
        if row["a_complaint_id"] is not None:
            dispatches.setdefault(row["id"], []).append({f: row[f"a_{f}"] for f in ASSIGNMENT_FIELDS})
    return {cid: contribution(complaint, dispatches.get(cid, [])) for cid, complaint in complaints.items()}


def _summed(parts: Iterable[dict[Key, Counts]]) -> dict[Key, Counts]:
    total: dict[Key, Counts] = {}
    for part in parts:
        for key, counts in part.items():
            row = total.setdefault(key, dict.fromkeys(COUNTERS, 0))
            for name, value in counts.items():
                row[name] += value
    return total


# Per transaction, on the session: the contribution of every complaint it touched, as it was before
# the transaction first changed it (read under a row lock on PostgreSQL, so that two transactions
# cannot both start from the same old state), and the new objects whose ids the next flush gives.
_BEFORE, _NEW = transaction_scope.key("complaint_rollup.before"), transaction_scope.key("complaint_rollup.new")
# Shares of complaints a step has already read whole and locked (note_loaded), for _before_flush to use
# instead of reading them again.
_LOADED = transaction_scope.key("complaint_rollup.loaded")


def note_loaded(session: Session, complaint: Complaint, assignments: Sequence[ComplaintAssignment]) -> None:
    """A complaint and all its dispatches, just read from the database under a row lock on the complaint
    (FOR UPDATE), unchanged: its share as of now, so that the first flush touching it need not read it
    again (issue #8: the step's own read serves both)."""
    if any(inspect(obj).modified for obj in (complaint, *assignments)):
        return  # not the database's state: let the flush hook read it
    loaded: dict[int, dict[Key, Counts]] = session.info.setdefault(_LOADED, {})
    loaded.setdefault(complaint.id, contribution({f: getattr(complaint, f) for f in COMPLAINT_FIELDS},
                                                 [{f: getattr(a, f) for f in ASSIGNMENT_FIELDS} for a in assignments]))


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    ids, pending = _touched(session)
    before: dict[int, dict[Key, Counts]] = session.info.setdefault(_BEFORE, {})
    unread = ids - before.keys()
    loaded: dict[int, dict[Key, Counts]] = session.info.get(_LOADED, {})
    for cid in unread & loaded.keys():
        before[cid] = loaded[cid]
    unread -= loaded.keys()
    if unread:
        read = _contributions(session.connection(), unread, lock=True)
        before.update({cid: read.get(cid, {}) for cid in unread})
    if pending:
        session.info.setdefault(_NEW, []).extend(pending)


def _after_flush(session: Session, flush_context: Any) -> None:
    before: dict[int, dict[Key, Counts]] = session.info.setdefault(_BEFORE, {})
    for obj in session.info.pop(_NEW, []):
        if isinstance(obj, Complaint):
            before.setdefault(obj.id, {})  # new in this transaction: it had no share


def _before_commit(session: Session) -> None:
    """Performance and concurrency (issue #8): the rollup rows are written once per transaction, just
    before it commits, in key order, so a hot row (a day of the nation) is locked for the commit only,
    and two transactions always lock rows in the same order (no deadlock)."""
    session.flush()  # the last changes: their old shares are read by _before_flush
    before = session.info.pop(_BEFORE, None)
    if not before:
        return
    now = _contributions(session.connection(), before.keys())
    old, new = _summed(before.values()), _summed(now.values())
    delta: dict[Key, Counts] = {}
    for key in old.keys() | new.keys():
        counts = {c: new.get(key, {}).get(c, 0) - old.get(key, {}).get(c, 0) for c in COUNTERS}
        if any(counts.values()):
            delta[key] = counts
    apply(session.connection(), delta)


def _upsert(dialect: Any) -> Any:
    insert = dialect.insert(ROLLUP)
    return insert.on_conflict_do_update(index_elements=[c.name for c in ROLLUP.primary_key.columns],
                                        set_={c: ROLLUP.c[c] + insert.excluded[c] for c in COUNTERS})


# Built once: a statement made anew for each call (or with its rows inlined) is compiled anew each time,
# which cost more than the rest of the rollup's upkeep together (issue #8).
_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


def apply(conn: Connection, delta: Mapping[Key, Counts]) -> None:
    """Add the counts to their rows (created at zero), in key order."""
    if not delta:
        return
    rows = [{"grain": k[0], "university_id": k[1], "department_id": k[2], "day": k[3], "channel": k[4],
             **{c: delta[k].get(c, 0) for c in COUNTERS}} for k in sorted(delta)]
    conn.execute(_UPSERT[conn.dialect.name], rows)


def install(session_factory: Any) -> None:
    """Register the hooks once (create_app calls this with db.session)."""
    if not event.contains(session_factory, "before_flush", _before_flush):
        event.listen(session_factory, "before_flush", _before_flush)
        event.listen(session_factory, "after_flush", _after_flush)
        event.listen(session_factory, "before_commit", _before_commit)


# --- rebuild from the base tables -----------------------------------------------------------------------

def _sql_day(conn: Connection, column: Any, *, month: bool = False) -> Any:
    """The Beijing calendar day (or the first day of its month) of a UTC timestamp column, in SQL."""
    if conn.dialect.name == "postgresql":
        local = func.timezone("Asia/Shanghai", column)
        return cast(func.date_trunc("month", local) if month else local, postgresql.DATE)
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; cut the fraction (date() would round it).
    # Beijing has had no daylight saving since 1991: a fixed offset.
    args = [func.substr(column, 1, 19), "+8 hours", *(["start of month"] if month else [])]
    return func.date(*args)


def _sql_seconds(conn: Connection, column: Any) -> Any:
    """Whole seconds since 1970 (floor) of a timestamp column, as contribution() counts them."""
    if conn.dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", func.substr(column, 1, 19)), BigInteger)


def rebuild(conn: Connection) -> int:
    """Recompute the whole table from `complaint` and `complaint_assignment` (INSERT … SELECT … GROUP BY);
    returns the number of rows. Run in the caller's transaction; on PostgreSQL the table is locked against
    the hook's writers until it commits."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE complaint_rollup IN EXCLUSIVE MODE")
    conn.execute(ROLLUP.delete())
    c, a = COMPLAINT.c, ASSIGNMENT.c
    zero = literal(0)
    is_counted = or_(a.outcome.is_(None), a.outcome != UPHELD)
    handled = and_(c.closed_at.is_not(None), c.resolution.in_(HANDLED))
    complaint_counts = [
        literal(1).label("total"), case((c.resolution.in_(JUDGED), 1), else_=0).label("judged"),
        case((c.resolution == "resolved", 1), else_=0).label("resolved"),
        case((c.satisfaction.is_not(None), 1), else_=0).label("rated"),
        case((c.satisfaction.in_(HAPPY), 1), else_=0).label("happy"), case((handled, 1), else_=0).label("handled"),
        case((handled, _sql_seconds(conn, c.closed_at) - _sql_seconds(conn, c.created_at)), else_=0).label("seconds"),
        zero.label("counted"), zero.label("answered"), zero.label("on_time")]
    answered = a.answered_at.is_not(None)
    dispatch_counts = [
        *(zero.label(n) for n in COUNTERS[:7]), literal(1).label("counted"),
        case((answered, 1), else_=0).label("answered"),
        case((and_(answered, a.answered_at <= a.due_at), 1), else_=0).label("on_time")]
    day, month = _sql_day(conn, c.created_at), _sql_day(conn, c.created_at, month=True)
    aday, amonth = _sql_day(conn, a.assigned_at), _sql_day(conn, a.assigned_at, month=True)
    departments = select(a.complaint_id, a.department_id).where(is_counted).distinct().subquery()
    joined = ASSIGNMENT.join(COMPLAINT, c.id == a.complaint_id)

    def key(grain: str, university: Any, department: Any, day_: Any, channel: Any) -> list[Any]:
        return [literal(grain).label("grain"), university.label("university_id"),
                department.label("department_id"), day_.label("day"), channel.label("channel")]

    parts = [
        select(*key("d", zero, zero, day, c.channel), *complaint_counts),
        select(*key("d", c.university_id, zero, day, c.channel), *complaint_counts),
        select(*key("m", c.university_id, zero, month, literal("")), *complaint_counts),
        select(*key("d", c.university_id, departments.c.department_id, day, c.channel), *complaint_counts)
        .select_from(COMPLAINT.join(departments, departments.c.complaint_id == c.id)),
        select(*key("d", zero, zero, aday, c.channel), *dispatch_counts).select_from(joined).where(is_counted),
        select(*key("d", c.university_id, zero, aday, c.channel), *dispatch_counts).select_from(joined)
        .where(is_counted),
        select(*key("m", c.university_id, zero, amonth, literal("")), *dispatch_counts).select_from(joined)
        .where(is_counted),
        select(*key("d", c.university_id, a.department_id, aday, c.channel), *dispatch_counts).select_from(joined)
        .where(is_counted),
    ]
    everything = union_all(*parts).subquery()
    keys = [everything.c[n] for n in ("grain", "university_id", "department_id", "day", "channel")]
    grouped = select(*keys, *(func.sum(everything.c[n]) for n in COUNTERS)).group_by(*keys)
    conn.execute(ROLLUP.insert().from_select([*(k.name for k in keys), *COUNTERS], grouped))
    return int(conn.execute(select(func.count()).select_from(ROLLUP)).scalar_one())


def table(conn: Connection) -> dict[Key, Counts]:
    """The rollup as a dict, rows of zeros left out (the hook leaves them; a rebuild makes none)."""
    out: dict[Key, Counts] = {}
    for row in conn.execute(select(ROLLUP)).mappings():
        counts = {c: int(row[c]) for c in COUNTERS}
        if any(counts.values()):
            out[(row["grain"], row["university_id"], row["department_id"], row["day"], row["channel"])] = counts
    return out


@use_case
def rebuild_now() -> int:
    """`rebuild` as its own transaction (`flask metrics rebuild`, after a bulk load or a restore)."""
    return rebuild(db.session.connection())
