"""Dashboard datasets of 接诉即办: the 三率 by department (a university) or by university (the nation),
and by channel. The figures and their definitions are `complaint_metrics`' (one definition, the
metrics page shows the same numbers); who may read them is `complaint_access`'."""

from __future__ import annotations

from app.complaints import access as complaint_access
from app.complaints import cases as complaints
from app.complaints import metrics as complaint_metrics
from app.dashboard.datasets import Dataset, Scope, rate

RATE_COLUMNS = [("response_rate", "响应率（%）"), ("resolution_rate", "解决率（%）"),
                ("satisfaction_rate", "满意率（%）")]


def _scope_args(scope: Scope) -> complaint_access.MetricsScope:
    return complaint_access.metrics_scope(scope.viewer, scope.university.id if scope.university else None)


def by_org(scope: Scope) -> Dataset:
    result = complaint_metrics.compute(**_scope_args(scope))
    notes = list(complaint_metrics.DEFINITIONS.values())
    if scope.university is not None:
        ranking, name, label, title = result["by_department"], "department", "部门", "各部门接诉即办三率"
    else:  # the nation: its universities ranked
        ranking, name, label, title = result["by_university"], "university", "高校", "各高校接诉即办三率"
    rows = [{"name": r[name], "dispatched": r["dispatched"], **{k: rate(r[k]) for k, _ in RATE_COLUMNS},
             "avg_handling_hours": r["avg_handling_hours"], "overdue": r["overdue"]} for r in ranking]
    columns = [("name", label), ("dispatched", "交办件数"), *RATE_COLUMNS,
               ("avg_handling_hours", "平均办理时长（小时）"), ("overdue", "逾期数")]
    return Dataset("complaint_departments", title, columns, rows,
                   {"type": "bar", "horizontal": True, "max": 100, "unit": "%",
                    "categories": [r["name"] for r in rows],
                    "series": [{"name": label_, "data": [r[k] for r in rows]} for k, label_ in RATE_COLUMNS]},
                   notes=notes)


def by_channel(scope: Scope) -> Dataset:
    result = complaint_metrics.compute(**_scope_args(scope), ranking=False)  # channels only
    labels = complaints.settings()["channels"]
    rows = [{"channel": labels.get(code, {}).get("label", code), "total": row["total"],
             "response_rate": rate(row["response_rate"]), "resolution_rate": rate(row["resolution_rate"]),
             "satisfaction_rate": rate(row["satisfaction_rate"]), "avg_handling_hours": row["avg_handling_hours"]}
            for code, row in result["by_channel"].items()]
    return Dataset("complaint_channels", "接诉即办：按渠道",
                   [("channel", "渠道"), ("total", "诉求数"), *RATE_COLUMNS,
                    ("avg_handling_hours", "平均办理时长（小时）")], rows,
                   {"type": "bar", "max": 100, "unit": "%", "categories": [r["channel"] for r in rows],
                    "series": [{"name": label, "data": [r[k] for r in rows]} for k, label in RATE_COLUMNS]},
                   notes=["口径同“接诉即办统计”页；“—”表示暂无可计算的数据。"])
