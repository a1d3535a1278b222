"""Early warnings in one list (驾驶舱): overdue tasks, missing 信息表, falling scores, complaint spikes —
each with a link to the page where someone acts on it.

- 逾期任务: ready tasks past their due time. Complaint tasks are counted per university (their titles
  may carry what a student wrote, and a ticket is the university's dispatch centre's to act on).
- 信息表未报送: a period whose cohort deadline has passed without a submitted or accepted report.
- 得分下降: the latest scored round's total is `FALL_TOTAL` points below the previous one, or a
  dimension fell by `FALL_DIMENSION` points or more.
- 诉求激增: a week's complaints (or a hot topic's) at least twice the average of the 4 weeks before and at
  least 3 (the rule of `hot_topics.is_spike`)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.complaints import hot_topics
from app.complaints import metrics as complaint_metrics
from app.core import clock
from app.dashboard.datasets import Dataset, Scope
from app.dashboard.scores import rounds_with_scores
from app.extensions import db
from app.models import Assessment, HumanTask, Org, ProcessInstance, ReportPeriod
from app.pilot import info_reports
from app.workflow import tasks

FALL_TOTAL = 5.0
FALL_DIMENSION = 10.0
KINDS = {"overdue_task": "逾期任务", "missing_report": "信息表未报送", "falling_score": "得分下降",
         "complaint_spike": "诉求激增"}
LIMIT = 200
REPORT_STATES = {"missing": "未填报", "draft": "草稿未提交", "returned": "被退回未重新提交"}


def _row(kind: str, severity: str, title: str, link: str, *, university: str = "", detail: str = "",
         at: datetime | None = None) -> dict[str, Any]:
    return {"kind": KINDS[kind], "severity": "高" if severity == "high" else "中", "university": university,
            "title": title, "detail": detail, "link": link, "at": at}


def _overdue_tasks(scope: Scope, now: datetime) -> list[dict[str, Any]]:
    query = (select(HumanTask, ProcessInstance.org_id, ProcessInstance.data)
             .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .where(HumanTask.status == "ready", HumanTask.due_at < now).order_by(HumanTask.due_at))
    if scope.university is not None:
        query = query.where(ProcessInstance.org_id == scope.university.id)
    found = db.session.execute(query).all()
    visible = set(db.session.scalars(select(HumanTask.id).where(
        HumanTask.id.in_([t.id for t, _, _ in found]), tasks.visible_clause(scope.viewer))))
    names = dict(db.session.execute(select(Org.id, Org.name).where(Org.kind == "university")).all())
    complaint_counts: Counter[int] = Counter()
    rows = []
    for task, org_id, _data in found:
        if task.process_key == "complaint":
            complaint_counts[org_id or 0] += 1
            continue
        if task.id in visible:
            link = f"/tasks/{task.id}"
        elif scope.sees_everyone:
            link = f"/instances/{task.instance_id}"
        else:
            continue  # another body's task (e.g. the operator's review): not this university's to act on
        days = (now - clock.as_utc(task.due_at)).days if task.due_at else 0
        rows.append(_row("overdue_task", "high" if days >= 3 else "medium", task.title, link,
                         university=names.get(org_id or 0, ""), detail=f"已逾期 {max(days, 0)} 天", at=task.due_at))
    for org_id, count in complaint_counts.items():
        rows.append(_row("overdue_task", "high", f"接诉即办：{count} 项待办已逾期",
                         f"/complaints/metrics?org_id={org_id}", university=names.get(org_id, ""),
                         detail="转办、答复或督办超过时限"))
    return rows


def _missing_reports(scope: Scope, now: datetime) -> list[dict[str, Any]]:
    rows = []
    today = now.astimezone(clock.SHANGHAI).date()
    for period in db.session.scalars(select(ReportPeriod).order_by(ReportPeriod.starts_on)):
        late = [(u, due, status) for u, due, status in info_reports.missing(period) if due < today
                and (scope.university is None or u.id == scope.university.id)]
        if not late:
            continue
        if scope.university is not None:
            _university, due, status = late[0]
            state = REPORT_STATES.get(status, status)
            rows.append(_row("missing_report", "high", f"{period.name}信息表逾期未报送", f"/reports/{period.id}",
                             university=scope.university.name, detail=f"截止 {due.isoformat()}，当前状态：{state}"))
        else:
            names = "、".join(u.name for u, _, _ in late[:5]) + ("等" if len(late) > 5 else "")
            rows.append(_row("missing_report", "high", f"{period.name}：{len(late)} 所高校逾期未报送信息表",
                             f"/reports/periods/{period.id}/missing", detail=names))
    return rows


def _falling_scores(scope: Scope) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    rounds = rounds_with_scores(scope.university.id if scope.university else None)
    if len(rounds) < 2:
        return rows
    order = {r.id: i for i, r in enumerate(rounds)}
    query = select(Assessment, Org).join(Org, Org.id == Assessment.university_id).where(
        Assessment.total_score.is_not(None), Assessment.round_id.in_(order))
    if scope.university is not None:
        query = query.where(Assessment.university_id == scope.university.id)
    history: dict[int, list[tuple[int, Assessment, Org]]] = {}
    for assessment, org in db.session.execute(query):
        history.setdefault(org.id, []).append((order[assessment.round_id], assessment, org))
    for entries in history.values():
        entries.sort(key=lambda e: e[0])
        if len(entries) < 2:
            continue
        (_, before, _), (_, latest, org) = entries[-2], entries[-1]
        drop = float(before.total_score or 0) - float(latest.total_score or 0)
        dims = latest.round.framework.dimensions
        fell = [d.name for d in dims if float(before.dimension_scores.get(d.code, 0))
                - float(latest.dimension_scores.get(d.code, 0)) >= FALL_DIMENSION]
        if drop >= FALL_TOTAL or fell:
            detail = f"总分 {before.total_score} → {latest.total_score}"
            if fell:
                detail += f"；下降明显的维度：{'、'.join(fell)}"
            rows.append(_row("falling_score", "high" if drop >= 2 * FALL_TOTAL else "medium",
                             f"考核得分下降（{latest.round.name}）", f"/assessments/{latest.id}",
                             university=org.name, detail=detail, at=latest.decided_at))
    return rows


def _spikes(scope: Scope, now: datetime) -> list[dict[str, Any]]:
    rows = []
    university_id = scope.university.id if scope.university else None
    query = "" if university_id is None else f"?org_id={university_id}"
    weekly = [w["count"] for w in complaint_metrics.weekly_counts(university_id=university_id, end=None, weeks=5)]
    if weekly and hot_topics.is_spike(weekly):
        rows.append(_row("complaint_spike", "high", f"本周诉求 {weekly[-1]} 件，明显高于前四周平均",
                         f"/complaints/metrics{query}", university=scope.university.name if scope.university else ""))
    for topic in hot_topics.top(university_id, now):
        if topic["spike"]:
            rows.append(_row("complaint_spike", "medium", f"热点“{topic['word']}”本周 {topic['weekly'][-1]} 件",
                             f"/complaints/topics{query}",
                             university=scope.university.name if scope.university else "全国"))
    return rows


def warnings(scope: Scope) -> Dataset:
    now = clock.now()
    rows = [*_overdue_tasks(scope, now), *_missing_reports(scope, now), *_falling_scores(scope), *_spikes(scope, now)]
    rows.sort(key=lambda r: (r["severity"] != "高", r["kind"], r["university"], r["title"]))
    notes = [f"逾期任务、信息表未报送、考核得分下降（总分降 {FALL_TOTAL:g} 分以上或任一维度降 "
             f"{FALL_DIMENSION:g} 分以上）、诉求激增（本周件数不少于 3 且不低于前四周平均的 2 倍）。"]
    if len(rows) > LIMIT:
        notes.append(f"共 {len(rows)} 条，只列出前 {LIMIT} 条。")
        rows = rows[:LIMIT]
    return Dataset("warnings", "预警", [("severity", "级别"), ("kind", "类型"), ("university", "高校"),
                                       ("title", "事项"), ("detail", "说明"), ("link", "处理入口")],
                   rows, {"type": "table", "counts": dict(Counter(r["kind"] for r in rows))}, notes=notes)
