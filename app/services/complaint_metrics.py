"""The 12345 三率 and companions for complaints (SPEC §5), with their definitions in one place.

Definitions (also shown on the metrics page):
- 响应率: dispatches answered by their deadline ÷ dispatches that were due or answered. A send-back the
  dispatcher upheld (re-dispatched elsewhere) is not counted against the department.
- 解决率: complaints closed as resolved (rated 满意/基本满意) ÷ complaints closed with a judgment
  (resolved + unresolved). Merged, out-of-scope and unrated complaints are not in it.
- 满意率: (满意 + 基本满意) ÷ rated complaints.
- 平均办理时长: mean hours from filing to closing, for complaints closed after being handled.
- 逾期数: dispatches answered after their deadline, or still open past it.
A period counts complaints filed in it (dispatches: assigned in it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from app.extensions import db
from app.models import Org
from app.models.complaint import Complaint, ComplaintAssignment
from app.services import clock

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
    hours = [(clock.as_utc(c.closed_at) - clock.as_utc(c.created_at)).total_seconds() / 3600 for c in handled]
    return {"total": len(rows), "resolution_rate": _rate(len(resolved), len(judged)),
            "satisfaction_rate": _rate(len(happy), len(rated)),
            "avg_handling_hours": round(sum(hours) / len(hours), 1) if hours else None}


def _hours_expr(bind_dialect: str, end: Any, begin: Any) -> Any:
    """Seconds between two timestamps, in SQL (PostgreSQL interval epoch; SQLite julian days)."""
    if bind_dialect == "postgresql":
        return func.extract("epoch", end - begin)
    return (func.julianday(end) - func.julianday(begin)) * 86400.0


def _complaint_columns(dialect: str) -> list[Any]:
    """The counts _complaint_figures derives its figures from, as SQL aggregates (same definitions)."""
    handled = and_(Complaint.closed_at.is_not(None), Complaint.resolution.in_(("resolved", "unresolved", "unrated")))
    return [
        func.count().label("total"),
        func.count().filter(Complaint.resolution.in_(("resolved", "unresolved"))).label("judged"),
        func.count().filter(Complaint.resolution == "resolved").label("resolved"),
        func.count().filter(Complaint.satisfaction.is_not(None)).label("rated"),
        func.count().filter(Complaint.satisfaction.in_(("satisfied", "basically_satisfied"))).label("happy"),
        func.count().filter(handled).label("handled"),
        func.sum(case((handled, _hours_expr(dialect, Complaint.closed_at, Complaint.created_at)),
                      else_=None)).label("seconds"),
    ]


def _complaint_figures_from(counts: dict[str, Any]) -> dict[str, Any]:
    handled, seconds = counts.get("handled") or 0, counts.get("seconds")
    return {"total": counts.get("total") or 0,
            "resolution_rate": _rate(counts.get("resolved") or 0, counts.get("judged") or 0),
            "satisfaction_rate": _rate(counts.get("happy") or 0, counts.get("rated") or 0),
            "avg_handling_hours": round(float(seconds) / 3600 / handled, 1) if handled and seconds is not None
            else None}


def _assignment_figures_from(counts: dict[str, Any]) -> dict[str, Any]:
    due_or_answered, on_time = counts.get("due_or_answered") or 0, counts.get("on_time") or 0
    return {"dispatched": counts.get("counted") or 0, "response_rate": _rate(on_time, due_or_answered),
            "overdue": due_or_answered - on_time}


def _sum(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    total: dict[str, Any] = {k: 0 for k in keys}
    for row in rows:
        for k in keys:
            if row.get(k) is not None:
                total[k] += row[k]
    return total


def compute(*, university_id: int | None = None, department_id: int | None = None,
            start: datetime | None = None, end: datetime | None = None,
            now: datetime | None = None) -> dict[str, Any]:
    """The metrics for a university, a department (complaints dispatched to it) or the nation (both None),
    over complaints filed in [start, end).

    Aggregated in SQL (grouped by channel and by department; the totals are the sums of the groups), so
    that the national figures over a million complaints never load rows into Python. The definitions are
    those of _complaint_figures / _assignment_figures above, which other callers still use on rows."""
    now = now or clock.now()
    dialect = db.session.get_bind().dialect.name
    complaint_filter: list[Any] = []
    assignment_filter: list[Any] = []
    if university_id is not None:
        complaint_filter.append(Complaint.university_id == university_id)
        assignment_filter.append(Complaint.university_id == university_id)
    if department_id is not None:
        assignment_filter.append(ComplaintAssignment.department_id == department_id)
        complaint_filter.append(Complaint.id.in_(select(ComplaintAssignment.complaint_id).where(
            ComplaintAssignment.department_id == department_id)))
    if start is not None:
        complaint_filter.append(Complaint.created_at >= start)
        assignment_filter.append(ComplaintAssignment.assigned_at >= start)
    if end is not None:
        complaint_filter.append(Complaint.created_at < end)
        assignment_filter.append(ComplaintAssignment.assigned_at < end)
    # A NULL outcome is counted (Python's `outcome != "sent_back_upheld"` is true for None).
    counted = or_(ComplaintAssignment.outcome.is_(None), ComplaintAssignment.outcome != "sent_back_upheld")
    due_or_answered = and_(counted, or_(ComplaintAssignment.answered_at.is_not(None),
                                        ComplaintAssignment.due_at <= now))
    on_time = and_(due_or_answered, ComplaintAssignment.answered_at.is_not(None),
                   ComplaintAssignment.answered_at <= ComplaintAssignment.due_at)

    channels = [dict(row._mapping) for row in db.session.execute(
        select(Complaint.channel, *_complaint_columns(dialect)).where(*complaint_filter)
        .group_by(Complaint.channel))]
    departments = [dict(row._mapping) for row in db.session.execute(
        select(ComplaintAssignment.department_id, func.count().filter(counted).label("counted"),
               func.count().filter(due_or_answered).label("due_or_answered"),
               func.count().filter(on_time).label("on_time"))
        .join(Complaint, Complaint.id == ComplaintAssignment.complaint_id).where(*assignment_filter)
        .group_by(ComplaintAssignment.department_id))]
    complaint_keys = ("total", "judged", "resolved", "rated", "happy", "handled", "seconds")
    result = {**_complaint_figures_from(_sum(channels, complaint_keys)),
              **_assignment_figures_from(_sum(departments, ("counted", "due_or_answered", "on_time")))}
    result["by_channel"] = {row["channel"]: _complaint_figures_from(row)
                            for row in sorted(channels, key=lambda r: r["channel"])}
    measured = [row for row in departments if row["counted"]]  # only upheld send-backs: not measured
    by_department: dict[int, dict[str, Any]] = {}
    if measured:
        # Each department's complaints: those of the scope with a counted dispatch to it (each once).
        pairs = (select(ComplaintAssignment.department_id, ComplaintAssignment.complaint_id)
                 .join(Complaint, Complaint.id == ComplaintAssignment.complaint_id)
                 .where(*assignment_filter, counted).distinct().subquery())
        by_department = {row.department_id: dict(row._mapping) for row in db.session.execute(
            select(pairs.c.department_id, *_complaint_columns(dialect))
            .join(pairs, pairs.c.complaint_id == Complaint.id).where(*complaint_filter)
            .group_by(pairs.c.department_id))}
    ids = [row["department_id"] for row in measured]
    names = dict(db.session.execute(select(Org.id, Org.name).where(Org.id.in_(ids))).all()) if ids else {}
    ranking = []
    for row in sorted(measured, key=lambda r: r["department_id"]):
        dept = row["department_id"]
        ranking.append({"department_id": dept, "department": names.get(dept, ""), **_assignment_figures_from(row),
                        **{k: v for k, v in _complaint_figures_from(by_department.get(dept, {})).items()
                           if k != "total"}})
    result["by_department"] = sorted(ranking, key=lambda r: (-(r["response_rate"] or 0), r["overdue"],
                                                             r["department"]))
    return result


def weekly_counts(*, university_id: int | None = None, department_id: int | None = None,
                  end: datetime | None = None, weeks: int = 8) -> list[dict[str, Any]]:
    """Complaints filed per week (weeks start on Monday, Beijing time), oldest first, for the `weeks`
    weeks up to `end` (default now); same scope as `compute`. [{"week": date, "count"}]"""
    local = clock.as_utc(end or clock.now()).astimezone(clock.SHANGHAI)
    if end is not None and local.time() == datetime.min.time():
        local -= timedelta(microseconds=1)  # an exclusive bound at midnight: the week of the day before
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [monday - timedelta(weeks=i) for i in reversed(range(weeks))]
    query = select(Complaint.created_at).where(Complaint.created_at >= starts[0],
                                               Complaint.created_at < monday + timedelta(weeks=1))
    if university_id is not None:
        query = query.where(Complaint.university_id == university_id)
    if department_id is not None:
        query = query.where(Complaint.id.in_(select(ComplaintAssignment.complaint_id).where(
            ComplaintAssignment.department_id == department_id)))
    counts = [0] * weeks
    for (created,) in db.session.execute(query):
        index = (clock.as_utc(created) - starts[0]).days // 7
        if 0 <= index < weeks:
            counts[index] += 1
    return [{"week": start.date(), "count": count} for start, count in zip(starts, counts, strict=True)]
