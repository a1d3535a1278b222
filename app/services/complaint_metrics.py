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

from sqlalchemy import select

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


def compute(*, university_id: int | None = None, department_id: int | None = None,
            start: datetime | None = None, end: datetime | None = None,
            now: datetime | None = None) -> dict[str, Any]:
    """The metrics for a university, a department (complaints dispatched to it) or the nation (both None),
    over complaints filed in [start, end)."""
    now = now or clock.now()
    complaints = select(Complaint)
    assignments = select(ComplaintAssignment).join(Complaint, Complaint.id == ComplaintAssignment.complaint_id)
    if university_id is not None:
        complaints = complaints.where(Complaint.university_id == university_id)
        assignments = assignments.where(Complaint.university_id == university_id)
    if department_id is not None:
        assignments = assignments.where(ComplaintAssignment.department_id == department_id)
        complaints = complaints.where(Complaint.id.in_(select(ComplaintAssignment.complaint_id).where(
            ComplaintAssignment.department_id == department_id)))
    if start is not None:
        complaints = complaints.where(Complaint.created_at >= start)
        assignments = assignments.where(ComplaintAssignment.assigned_at >= start)
    if end is not None:
        complaints = complaints.where(Complaint.created_at < end)
        assignments = assignments.where(ComplaintAssignment.assigned_at < end)
    complaint_rows = list(db.session.scalars(complaints))
    assignment_rows = list(db.session.scalars(assignments))
    result = {**_complaint_figures(complaint_rows), **_assignment_figures(assignment_rows, now)}
    result["by_channel"] = {channel: {**_complaint_figures([c for c in complaint_rows if c.channel == channel])}
                            for channel in sorted({c.channel for c in complaint_rows})}
    departments = sorted({a.department_id for a in assignment_rows})
    names = dict(db.session.execute(select(Org.id, Org.name).where(Org.id.in_(departments))).all())
    ranking = []
    for dept in departments:
        rows = [a for a in assignment_rows if a.department_id == dept and a.outcome != "sent_back_upheld"]
        if not rows:
            continue  # only upheld send-backs: nothing the department is measured on
        ids = {a.complaint_id for a in rows}
        ranking.append({"department_id": dept, "department": names.get(dept, ""),
                        **_assignment_figures(rows, now),
                        **{k: v for k, v in _complaint_figures([c for c in complaint_rows if c.id in ids]).items()
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
