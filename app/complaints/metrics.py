"""The 12345 三率 and companions for complaints (SPEC §5), with their definitions in one place.

Definitions (also shown on the metrics page):
- 响应率: dispatches answered by their deadline ÷ dispatches that were due or answered. A send-back the
  dispatcher upheld (re-dispatched elsewhere) is not counted against the department.
- 解决率: complaints closed as resolved (rated 满意/基本满意) ÷ complaints closed with a judgment
  (resolved + unresolved). Merged, out-of-scope and unrated complaints are not in it.
- 满意率: (满意 + 基本满意) ÷ rated complaints.
- 平均办理时长: mean hours from filing to closing, for complaints closed after being handled.
- 逾期数: dispatches answered after their deadline, or still open past it.
A period counts complaints filed in it (dispatches: assigned in it), in Beijing calendar days; a
department's complaints are those with a counted dispatch to it.

`compute` reads the pre-aggregated `complaint_rollup` (kept by services.complaint_rollup); the functions
on rows below are the reference it is tested against."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, union_all

from app.complaints import rollup as complaint_rollup
from app.core import clock
from app.extensions import db
from app.models import Org
from app.models.complaint import Complaint, ComplaintAssignment
from app.models.complaint_rollup import COUNTERS, ComplaintRollup

DEFINITIONS = {
    "response_rate": "响应率 = 在答复期限内答复的交办件 ÷ 已到期或已答复的交办件"
                     "（转办中心认定属误派而改派的退回不计入部门）",
    "resolution_rate": "解决率 = 评价为满意或基本满意而办结的诉求 ÷ 作出评判后办结的诉求"
                       "（已解决 + 未解决；合并、不予受理、未评价不计）",
    "satisfaction_rate": "满意率 = （满意 + 基本满意）÷ 已评价的诉求",
    "avg_handling_hours": "平均办理时长 = 从提交到办结的平均小时数（经办理后办结的诉求）",
    "overdue": "逾期数 = 超过答复期限才答复或至今未答复的交办件",
}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _assignment_figures(rows: list[ComplaintAssignment], now: datetime) -> dict[str, Any]:
    counted = [a for a in rows if a.outcome != "sent_back_upheld"]
    due_or_answered = [a for a in counted if a.answered_at is not None or clock.as_utc(a.due_at) <= now]
    on_time = [a for a in due_or_answered
               if a.answered_at is not None and clock.as_utc(a.answered_at) <= clock.as_utc(a.due_at)]
    late = [a for a in due_or_answered if a not in on_time]
    return {"dispatched": len(counted), "response_rate": _rate(len(on_time), len(due_or_answered)),
            "overdue": len(late)}


def _complaint_figures(rows: list[Complaint]) -> dict[str, Any]:
    judged = [c for c in rows if c.resolution in ("resolved", "unresolved")]
    resolved = [c for c in judged if c.resolution == "resolved"]
    rated = [c for c in rows if c.satisfaction is not None]
    happy = [c for c in rated if c.satisfaction in ("satisfied", "basically_satisfied")]
    handled = [c for c in rows if c.closed_at is not None and c.resolution in ("resolved", "unresolved", "unrated")]
    hours = [(clock.as_utc(c.closed_at) - clock.as_utc(c.created_at)).total_seconds() / 3600
             for c in handled if c.closed_at is not None]
    return {"total": len(rows), "resolution_rate": _rate(len(resolved), len(judged)),
            "satisfaction_rate": _rate(len(happy), len(rated)),
            "avg_handling_hours": round(sum(hours) / len(hours), 1) if hours else None}


def _complaint_figures_from(counts: dict[str, Any]) -> dict[str, Any]:
    handled, seconds = counts.get("handled") or 0, counts.get("seconds")
    return {"total": counts.get("total") or 0,
            "resolution_rate": _rate(counts.get("resolved") or 0, counts.get("judged") or 0),
            "satisfaction_rate": _rate(counts.get("happy") or 0, counts.get("rated") or 0),
            "avg_handling_hours": round(float(seconds) / 3600 / handled, 1) if handled and seconds is not None
            else None}


def _assignment_figures_from(counts: dict[str, Any]) -> dict[str, Any]:
    """From the rollup's counters plus `open_due` (open past the deadline, read live)."""
    due_or_answered = (counts.get("answered") or 0) + (counts.get("open_due") or 0)
    on_time = counts.get("on_time") or 0
    return {"dispatched": counts.get("counted") or 0, "response_rate": _rate(on_time, due_or_answered),
            "overdue": due_or_answered - on_time}


def day_bound(value: date | datetime | None) -> date | None:
    """A period bound as the Beijing calendar day it starts: a date, or a datetime at a Beijing midnight
    (the API's and the pages' bounds are built so). The figures are kept per day: any other instant is
    refused rather than silently widened."""
    if value is None or not isinstance(value, datetime):
        return value
    local = clock.as_utc(value).astimezone(clock.SHANGHAI)
    if local.time() != time(0):
        raise ValueError(f"a period bound must be a Beijing calendar day (midnight), not {value.isoformat()}")
    return local.date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.SHANGHAI)


def _days(first: date | None, last: date | None) -> list[Any]:
    """Rollup rows of the days [first, last)."""
    return [*([ComplaintRollup.day >= first] if first else []), *([ComplaintRollup.day < last] if last else [])]


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(getattr(ComplaintRollup, c)), 0).label(c) for c in COUNTERS]


def _open_due_query(now: datetime, first: date | None, last: date | None, *, university_id: int | None,
                    department_id: int | None, by: tuple[str, ...]) -> Any:
    """The only part of the figures that moves with the clock, read live: counted dispatches still open
    past their deadline (due, unanswered: late), assigned in the period, grouped by `by`. Read from the
    partial index ix_complaint_assignment_open alone (unanswered dispatches, holding their complaint's
    university and channel)."""
    a = ComplaintAssignment
    columns = {"university_id": a.university_id, "channel": a.channel, "department_id": a.department_id}
    query = (select(*(columns[b].label(b) for b in by), func.count().label("open_due"))
             .where(a.answered_at.is_(None), a.due_at <= now,
                    or_(a.outcome.is_(None), a.outcome != complaint_rollup.UPHELD)))
    if university_id is not None:
        query = query.where(a.university_id == university_id)
    if department_id is not None:
        query = query.where(a.department_id == department_id)
    if first is not None:
        query = query.where(a.assigned_at >= _midnight(first))
    if last is not None:
        query = query.where(a.assigned_at < _midnight(last))
    return query.group_by(*(columns[b] for b in by))


def _open_due(now: datetime, first: date | None, last: date | None, *, university_id: int | None,
              department_id: int | None, by: tuple[str, ...]) -> list[Any]:
    return list(db.session.execute(_open_due_query(now, first, last, university_id=university_id,
                                                   department_id=department_id, by=by)).mappings())


def _figures(counts: dict[str, Any]) -> dict[str, Any]:
    return {**_complaint_figures_from(counts), **_assignment_figures_from(counts)}


_FIELDS = (*COUNTERS, "open_due")


def _add(rows: dict[Any, dict[str, Any]], key: Any, counts: Any) -> None:
    """Add a rollup or live row's counters (a mapping with some of _FIELDS) to rows[key]."""
    row = rows.get(key)
    if row is None:
        row = rows[key] = dict.fromkeys(_FIELDS, 0)
    for name in _FIELDS:
        if name in counts and counts[name]:
            row[name] += int(counts[name])


def _ranking_order(name_key: str) -> Any:
    return lambda r: (-(r["response_rate"] or 0), r["overdue"], r[name_key])


def compute(*, university_id: int | None = None, department_id: int | None = None,
            start: date | datetime | None = None, end: date | datetime | None = None,
            now: datetime | None = None, ranking: bool = True) -> dict[str, Any]:
    """The metrics for a university, a department (the complaints with a counted dispatch to it, and its
    dispatches) or the nation (both None), over complaints filed (dispatches: assigned) in the Beijing
    days [start, end) (see `day_bound`).

    Read from the rollup (`complaint_rollup`, a few hundred rows per scope and year) plus the open
    dispatches past their deadline, read live; the definitions are those of _complaint_figures /
    _assignment_figures above (the tests hold the two to the same answers). Besides the figures:
    `by_channel`; `by_department`, the ranking of a university's departments (a department: its own
    row); for the nation `by_university`, the ranking of universities (`by_department` stays empty:
    18,000 departments make no ranking). `ranking=False` leaves both rankings out (empty), for callers
    that show only the figures and channels: the nation's ranking is most of the work."""
    now = now or clock.now()
    first, last = day_bound(start), day_bound(end)
    r = ComplaintRollup
    national = university_id is None and department_id is None
    if department_id is not None:
        scope = [r.department_id == department_id, *([r.university_id == university_id] if university_id else [])]
    else:
        scope = [r.university_id == (university_id or 0), r.department_id == 0]
    channels: dict[str, dict[str, Any]] = {}
    for rec in db.session.execute(select(r.channel, *_sums()).where(r.grain == "d", *scope, *_days(first, last))
                                  .group_by(r.channel)).mappings():
        _add(channels, rec["channel"], rec)
    # grouped in SQL as each part of the answer needs it (the nation's: 3,000 universities × 4 channels)
    live = _open_due(now, first, last, university_id=university_id, department_id=department_id,
                     by=("channel",) if national else ("channel", "department_id"))
    for item in live:
        _add(channels, item["channel"], item)
    totals: dict[None, dict[str, Any]] = {}
    for counts in channels.values():
        _add(totals, None, counts)
    result = _figures(totals.get(None, {}))
    result["by_channel"] = {channel: _figures(row) for channel, row in sorted(channels.items()) if row["total"]}
    if not ranking:
        result["by_department"] = []
        if national:
            result["by_university"] = []
    elif national:
        result["by_department"] = []
        result["by_university"] = _by_university(first, last, now)
    else:
        result["by_department"] = _by_department(university_id, department_id, first, last, live)
    return result


def _by_department(university_id: int | None, department_id: int | None, first: date | None, last: date | None,
                   live: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = ComplaintRollup
    scope = [r.grain == "d", r.department_id != 0, *([r.university_id == university_id] if university_id else []),
             *([r.department_id == department_id] if department_id else [])]
    rows: dict[int, dict[str, Any]] = {}
    for rec in db.session.execute(select(r.department_id, *_sums()).where(*scope, *_days(first, last))
                                  .group_by(r.department_id)).mappings():
        _add(rows, rec["department_id"], rec)
    for item in live:
        _add(rows, item["department_id"], item)
    measured = {dept: row for dept, row in rows.items() if row["counted"]}  # only upheld send-backs: not measured
    names = dict(db.session.execute(select(Org.id, Org.name).where(Org.id.in_(measured))).all()) if measured else {}
    ranking = [{"department_id": dept, "department": names.get(dept, ""), **_assignment_figures_from(row),
                **{k: v for k, v in _complaint_figures_from(row).items() if k != "total"}}
               for dept, row in sorted(measured.items())]
    return sorted(ranking, key=_ranking_order("department"))


def _month_split(first: date | None, last: date | None) -> tuple[tuple[date | None, date | None] | None,
                                                                 list[tuple[date | None, date | None]]]:
    """[first, last) as whole months (read from the month rows) and the days left at either end."""
    lo = first if first is None or first.day == 1 else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    hi = last.replace(day=1) if last is not None else None
    if lo is not None and hi is not None and lo >= hi:
        return None, [(first, last)]
    edges = [*([(first, lo)] if first is not None and first < lo else []),  # type: ignore[operator]
             *([(hi, last)] if last is not None and hi < last else [])]  # type: ignore[operator]
    return (lo, hi), edges


def _by_university(first: date | None, last: date | None, now: datetime) -> list[dict[str, Any]]:
    """Every university's figures: its month rows (all channels), day rows for partial months and its open
    dispatches past their deadline, summed per university in one SQL statement (3,000 rows come back,
    not three times as many to add up here)."""
    r = ComplaintRollup
    months, edges = _month_split(first, last)
    zero = literal(0)
    parts = []
    if months is not None:
        parts.append(select(r.university_id, *_sums(), zero.label("open_due"))
                     .where(r.grain == "m", r.university_id != 0, *_days(*months)).group_by(r.university_id))
    if edges:
        parts.append(select(r.university_id, *_sums(), zero.label("open_due")).where(
            r.grain == "d", r.university_id != 0, r.department_id == 0,
            or_(*(and_(*_days(lo, hi)) for lo, hi in edges))).group_by(r.university_id))
    live = _open_due_query(now, first, last, university_id=None, department_id=None,
                           by=("university_id",)).subquery()
    parts.append(select(live.c.university_id, *(zero.label(c) for c in COUNTERS), live.c.open_due))
    every = union_all(*parts).subquery()
    fields = (*COUNTERS, "open_due")
    query = (select(every.c.university_id, Org.name, *(func.sum(every.c[f]).label(f) for f in fields))
             .join(Org, Org.id == every.c.university_id).group_by(every.c.university_id, Org.name)
             .having(or_(func.sum(every.c.total) > 0, func.sum(every.c.counted) > 0)))
    ranking = [{"university_id": row["university_id"], "university": row["name"],
                **_figures({f: int(row[f] or 0) for f in fields})}
               for row in db.session.execute(query).mappings()]
    return sorted(ranking, key=_ranking_order("university"))


def weekly_counts(*, university_id: int | None = None, department_id: int | None = None,
                  end: datetime | None = None, weeks: int = 8) -> list[dict[str, Any]]:
    """Complaints filed per week (weeks start on Monday, Beijing time), oldest first, for the `weeks`
    weeks up to `end` (default now); same scope as `compute`, from the rollup's day rows. [{"week": date,
    "count"}]"""
    local = clock.as_utc(end or clock.now()).astimezone(clock.SHANGHAI)
    if end is not None and local.time() == datetime.min.time():
        local -= timedelta(microseconds=1)  # an exclusive bound at midnight: the week of the day before
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [monday - timedelta(weeks=i) for i in reversed(range(weeks))]
    r = ComplaintRollup
    if department_id is not None:
        scope = [r.department_id == department_id, *([r.university_id == university_id] if university_id else [])]
    else:
        scope = [r.university_id == (university_id or 0), r.department_id == 0]
    first = starts[0].date()
    counts = [0] * weeks
    days = _days(first, first + timedelta(weeks=weeks))
    for day, count in db.session.execute(select(r.day, func.sum(r.total)).where(r.grain == "d", *scope, *days)
                                         .group_by(r.day)):
        index = (day - first).days // 7
        if 0 <= index < weeks:
            counts[index] += int(count or 0)
    return [{"week": start.date(), "count": count} for start, count in zip(starts, counts, strict=True)]
