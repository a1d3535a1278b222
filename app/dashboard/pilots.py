"""Dashboard datasets about the pilots themselves: where they are, batches and status, the 自主试点
application pipeline and its review times, 育人号 activity and 信息表 completeness."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select

from app.core import clock, roles
from app.dashboard.datasets import Dataset, Scope, last_months, month_key, percent
from app.extensions import db
from app.models import InfoReport, Org, PilotApplication, Post, PostRevision, ReportPeriod
from app.pilot import info_reports
from app.workflow import forms

PILOTS = roles.COUNTED_PILOT_STATUSES
STATUS_LABELS = {"designated": "教育部认定试点", "self_pilot": "自主试点", "applicant": "申报中"}
APPLICATION_LABELS = {"submitted": "待审核", "returned": "已退回", "approved": "已认定（待开通）",
                      "rejected": "未认定", "account_opened": "已开通账号"}
REPORT_LABELS = {"accepted": "已通过", "submitted": "待审核", "returned": "被退回", "draft": "草稿",
                 "missing": "未填报"}
MAP_NOTE = "全国地图需要离线地图数据（省界 GeoJSON），平台未内置，故按省份以排名条形图展示。"


def _pilots() -> Any:
    return select(Org).where(Org.kind == "university", Org.pilot_status.in_(PILOTS))


def by_province(scope: Scope) -> Dataset:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for org in db.session.scalars(_pilots()):
        counts[org.province or "未知"][org.pilot_status or ""] += 1
    order = sorted(counts, key=lambda p: (-(counts[p]["designated"] + counts[p]["self_pilot"]), p))
    rows = [{"province": p, "designated": counts[p]["designated"], "self_pilot": counts[p]["self_pilot"],
             "total": counts[p]["designated"] + counts[p]["self_pilot"]} for p in order]
    return Dataset("pilots_by_province", "试点高校省份分布",
                   [("province", "省份"), ("designated", "教育部认定试点"), ("self_pilot", "自主试点"),
                    ("total", "合计")],
                   rows, {"type": "bar", "horizontal": True, "stack": True,
                          "categories": [r["province"] for r in rows],
                          "series": [{"name": "教育部认定试点", "data": [r["designated"] for r in rows]},
                                     {"name": "自主试点", "data": [r["self_pilot"] for r in rows]}]},
                   notes=[MAP_NOTE])


def by_batch(scope: Scope) -> Dataset:
    counts: Counter[tuple[int, str]] = Counter()
    for org in db.session.scalars(_pilots()):
        counts[(org.pilot_batch or 0, org.pilot_status or "")] += 1
    rows = [{"batch": f"{batch} 年" if batch else "未注明", "status": STATUS_LABELS.get(status, status), "count": n}
            for (batch, status), n in sorted(counts.items())]
    return Dataset("pilots_by_batch", "试点高校批次分布",
                   [("batch", "批次"), ("status", "类型"), ("count", "高校数")], rows,
                   {"type": "bar", "categories": [f"{r['batch']} {r['status']}" for r in rows],
                    "series": [{"name": "高校数", "data": [r["count"] for r in rows]}]},
                   notes=["教育部认定试点按认定批次（2019、2021 年），自主试点按开通账号的年份。"])


def by_status(scope: Scope) -> Dataset:
    counts = dict(db.session.execute(select(Org.pilot_status, func.count()).where(
        Org.kind == "university", Org.pilot_status.is_not(None)).group_by(Org.pilot_status)).all())
    pending = db.session.scalar(select(func.count()).where(PilotApplication.status.in_(("submitted", "returned",
                                                                                          "approved")))) or 0
    rows = [{"status": STATUS_LABELS[s], "count": int(counts.get(s, 0))} for s in PILOTS]
    rows.append({"status": "申报审核中", "count": int(pending) + int(counts.get("applicant", 0))})
    return Dataset("pilots_by_status", "试点状态", [("status", "状态"), ("count", "高校数")], rows,
                   {"type": "pie", "series": [{"name": r["status"], "value": r["count"]} for r in rows]})


def pipeline(scope: Scope) -> Dataset:
    counts = dict(db.session.execute(select(PilotApplication.status, func.count())
                                     .group_by(PilotApplication.status)).all())
    rows = [{"status": label, "count": int(counts.get(code, 0))} for code, label in APPLICATION_LABELS.items()]
    return Dataset("application_pipeline", "自主试点申报进度", [("status", "状态"), ("count", "申报数")], rows,
                   {"type": "bar", "categories": [r["status"] for r in rows],
                    "series": [{"name": "申报数", "data": [r["count"] for r in rows]}]},
                   notes=["申报 → 思政司审核认定 → 高校思政网开通账号；退回后可修改并进入下一审核窗口。"])


def review_times(scope: Scope) -> Dataset:
    """Days from (the latest) submission to the ministry's decision, by the month of the decision."""
    months = last_months(12)
    days: dict[str, list[float]] = defaultdict(list)
    submitted: Counter[str] = Counter()
    for app in db.session.scalars(select(PilotApplication)):
        submitted[month_key(app.submitted_at)] += 1
        if app.decided_at is not None:
            elapsed = (clock.as_utc(app.decided_at) - clock.as_utc(app.submitted_at)).total_seconds() / 86400
            days[month_key(app.decided_at)].append(max(0.0, elapsed))
    rows = [{"month": m, "submitted": submitted[m], "decided": len(days[m]),
             "avg_days": round(statistics.fmean(days[m]), 1) if days[m] else None,
             "median_days": round(statistics.median(days[m]), 1) if days[m] else None,
             "max_days": round(max(days[m]), 1) if days[m] else None} for m in months]
    return Dataset("review_times", "申报审核用时",
                   [("month", "月份"), ("submitted", "提交数"), ("decided", "审结数"), ("avg_days", "平均用时（天）"),
                    ("median_days", "中位用时（天）"), ("max_days", "最长用时（天）")], rows,
                   {"type": "line", "categories": months,
                    "series": [{"name": "平均用时（天）", "data": [r["avg_days"] for r in rows]},
                               {"name": "中位用时（天）", "data": [r["median_days"] for r in rows]}]},
                   notes=["用时 = 审核结论时间 − 最近一次提交时间（自然日）；按审结月份统计。"
                          "审核在每月审核窗口集中进行，故用时含等待窗口的天数。"])


def post_activity(scope: Scope) -> Dataset:
    """Revisions submitted for review and posts first published, per month (the last 12)."""
    months = last_months(12)
    posts = select(Post.published_at).where(Post.published_at.is_not(None))
    revisions = select(PostRevision.submitted_at).join(Post, Post.id == PostRevision.post_id).where(
        PostRevision.submitted_at.is_not(None))
    if scope.university is not None:
        posts = posts.where(Post.university_id == scope.university.id)
        revisions = revisions.where(Post.university_id == scope.university.id)
    published = Counter(month_key(at) for (at,) in db.session.execute(posts) if at is not None)
    submitted = Counter(month_key(at) for (at,) in db.session.execute(revisions) if at is not None)
    pending_query = select(func.count()).select_from(Post).where(Post.status == "in_review")
    if scope.university is not None:
        pending_query = pending_query.where(Post.university_id == scope.university.id)
    pending = db.session.scalar(pending_query) or 0
    rows = [{"month": m, "submitted": submitted[m], "published": published[m]} for m in months]
    return Dataset("post_activity", "育人号活跃度", [("month", "月份"), ("submitted", "提交审核（篇次）"),
                                                 ("published", "首次发布（篇）")], rows,
                   {"type": "bar", "categories": months,
                    "series": [{"name": "提交审核", "data": [r["submitted"] for r in rows]},
                               {"name": "首次发布", "data": [r["published"] for r in rows]}]},
                   notes=[f"当前待审核 {pending} 篇。提交审核按每次提交（含修改后重新提交）计。"])


def _filled_share(data: dict[str, Any] | None, names: list[str]) -> float | None:
    if not names:
        return None
    filled = sum(1 for n in names if (data or {}).get(n) not in (None, "", []))
    return filled / len(names)


def report_completeness(scope: Scope) -> Dataset:
    periods = sorted(info_reports.periods(), key=lambda p: p.starts_on)
    names = list(forms.load(info_reports.FORM_KEY)["properties"])
    if scope.university is not None:
        return _own_reports(scope, periods, names)
    rows = []
    for period in periods:
        counts = info_reports.status_counts(period)
        reports = db.session.scalars(select(InfoReport).where(InfoReport.period_id == period.id)).all()
        shares = [s for s in (_filled_share(r.data, names) for r in reports) if s is not None]
        rows.append({"period": period.name, "pilots": counts["pilots"],
                     **{k: counts[k] for k in REPORT_LABELS},
                     "completeness": percent(counts["accepted"] + counts["submitted"], counts["pilots"]),
                     "fields_filled": round(100 * statistics.fmean(shares), 1) if shares else None})
    columns = [("period", "报送周期"), ("pilots", "试点高校"), *[(k, v) for k, v in REPORT_LABELS.items()],
               ("completeness", "报送率（%）"), ("fields_filled", "字段填写率（%）")]
    return Dataset("report_completeness", "信息表完成情况", columns, rows,
                   {"type": "bar", "stack": True, "categories": [r["period"] for r in rows],
                    "series": [{"name": label, "data": [r[k] for r in rows]} for k, label in REPORT_LABELS.items()]},
                   notes=["报送率 = （已通过 + 待审核）÷ 试点高校数；字段填写率 = 已填写的字段 ÷ 信息表全部字段，"
                          "按已建立的信息表平均。"])


def _own_reports(scope: Scope, periods: list[ReportPeriod], names: list[str]) -> Dataset:
    assert scope.university is not None
    reports = {r.period_id: r for r in db.session.scalars(select(InfoReport).where(
        InfoReport.university_id == scope.university.id))}
    rows = []
    for period in periods:
        report = reports.get(period.id)
        share = _filled_share(report.data if report else None, names)
        rows.append({"period": period.name, "due": info_reports.due_date(period, scope.university),
                     "status": REPORT_LABELS.get(report.status if report else "missing", ""),
                     "revisions": report.revision if report else 0,
                     "fields_filled": round(100 * share, 1) if share is not None else None})
    return Dataset("report_completeness", "信息表完成情况",
                   [("period", "报送周期"), ("due", "截止日期"), ("status", "状态"), ("revisions", "提交次数"),
                    ("fields_filled", "字段填写率（%）")], rows,
                   {"type": "bar", "categories": [r["period"] for r in rows], "max": 100,
                    "series": [{"name": "字段填写率（%）", "data": [r["fields_filled"] for r in rows]}]},
                   notes=["字段填写率 = 已填写的字段 ÷ 信息表全部字段。"])
