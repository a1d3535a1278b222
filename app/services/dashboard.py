"""驾驶舱 (SPEC §6): the national dashboard and each university's own, as datasets.

A dataset is one chart's data: a table (`columns`, `rows`) that the page shows as a table and exports
as CSV/XLSX, plus a `chart` block the browser draws with ECharts. The same dataset feeds the JSON
endpoint, the table view and the export, so the three never disagree.

Who sees what: national roles (moe_reviewer, operator, process_admin) the nation and any university;
a university's 经办人 (university_admin) only its own university (another university's id is a 404,
not a 403: it does not learn that the id exists); anyone else 403."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.errors import Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import Org, User
from app.services import clock, exports

NATIONAL = ("moe_reviewer", "operator", "process_admin")
# With fewer scored pilots than this in a group, a university does not see the group's average: with two,
# the average would give away the other university's score.
MIN_GROUP = 3


@dataclass
class Scope:
    viewer: User
    university: Org | None  # None: the nation
    round_id: int | None = None
    university_ids: list[int] = field(default_factory=list)  # comparison

    @property
    def national(self) -> bool:
        return self.university is None

    @property
    def sees_everyone(self) -> bool:
        return self.viewer.has_role(*NATIONAL)

    @property
    def name(self) -> str:
        return "全国" if self.university is None else self.university.name


@dataclass
class Dataset:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (key, 中文表头)
    rows: list[dict[str, Any]]
    chart: dict[str, Any]  # {"type": bar|line|radar|pie|table, ...}; see static/js/dashboard.js
    notes: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # row key → link column (warnings)

    def as_json(self, scope: Scope) -> dict[str, Any]:
        return {"key": self.key, "title": self.title,
                "scope": {"university_id": scope.university.id if scope.university else None, "name": scope.name},
                "columns": [{"key": k, "label": label} for k, label in self.columns],
                "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows],
                "chart": self.chart, "notes": self.notes}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.as_utc(value).astimezone(clock.SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


Builder = Callable[[Scope], Dataset]
# key → (title, "module:function", where it appears: national / university / both)
REGISTRY: dict[str, tuple[str, str, str]] = {
    "pilots_by_province": ("试点高校省份分布", "app.services.dashboard_pilots:by_province", "national"),
    "pilots_by_batch": ("试点高校批次分布", "app.services.dashboard_pilots:by_batch", "national"),
    "pilots_by_status": ("试点状态", "app.services.dashboard_pilots:by_status", "national"),
    "application_pipeline": ("自主试点申报进度", "app.services.dashboard_pilots:pipeline", "national"),
    "review_times": ("申报审核用时", "app.services.dashboard_pilots:review_times", "national"),
    "post_activity": ("育人号活跃度", "app.services.dashboard_pilots:post_activity", "both"),
    "report_completeness": ("信息表完成情况", "app.services.dashboard_pilots:report_completeness", "both"),
    "score_radar": ("考核得分：各维度对比", "app.services.dashboard_scores:radar", "both"),
    "score_trend": ("考核得分趋势与预测", "app.services.dashboard_scores:trend", "both"),
    "complaint_departments": ("接诉即办三率", "app.services.dashboard_complaints:by_org", "both"),
    "complaint_channels": ("接诉即办：按渠道", "app.services.dashboard_complaints:by_channel", "both"),
    "warnings": ("预警", "app.services.dashboard_warnings:warnings", "both"),
    "comparison": ("脉络式比较：各维度得分", "app.services.comparison:by_dimension", "compare"),
    "comparison_trend": ("脉络式比较：总分趋势", "app.services.comparison:by_round", "compare"),
}


def keys_for(scope: Scope) -> list[str]:
    where = "national" if scope.national else "university"
    return [k for k, (_, _, shown) in REGISTRY.items() if shown in (where, "both")]


def scope_for(viewer: User, university_id: int | None = None, *, round_id: int | None = None,
              university_ids: list[int] | None = None) -> Scope:
    """The scope the viewer asked for, if they may read it (see the module docstring)."""
    if viewer.has_role(*NATIONAL):
        university = None
        if university_id is not None:
            university = db.session.get(Org, university_id)
            if university is None or university.kind != "university":
                raise NotVisible("高校不存在")
        return Scope(viewer, university, round_id, list(university_ids or []))
    own = viewer.org.university_id() if viewer.has_role("university_admin") else None
    if own is None:
        raise Forbidden("无权查看驾驶舱")
    if university_id is not None and university_id != own:
        raise NotVisible("高校不存在")
    if university_ids:
        raise NotVisible("高校不存在")  # comparing universities is the ministry's
    return Scope(viewer, db.session.get(Org, own), round_id, [])


def build(scope: Scope, key: str) -> Dataset:
    entry = REGISTRY.get(key)
    if entry is None:
        raise NotVisible("没有该数据集")
    shown = entry[2]
    if shown == "compare" and not scope.sees_everyone:
        raise NotVisible("没有该数据集")
    if shown == "national" and not scope.national:
        raise NotVisible("该数据集只在全国驾驶舱提供")
    module, _, name = entry[1].partition(":")
    builder: Builder = getattr(importlib.import_module(module), name)
    return builder(scope)


def export(scope: Scope, key: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of a dataset's table."""
    if fmt not in exports.FORMATS:
        raise ValidationFailed("导出格式有误", {"format": ["格式须为 csv 或 xlsx"]})
    dataset = build(scope, key)
    content, mimetype = exports.render(fmt, dataset.columns, dataset.rows, sheet=dataset.title[:31])
    day = clock.now().astimezone(clock.SHANGHAI).date().isoformat()
    return content, mimetype, f"{dataset.title}-{scope.name}-{day}.{fmt}".replace("/", "-").replace("：", "-")


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def rate(value: float | None) -> float | None:
    """A 0–1 rate as a percentage with one decimal (how every table shows rates)."""
    return None if value is None else round(value * 100, 1)


def month_key(moment: datetime) -> str:
    return clock.as_utc(moment).astimezone(clock.SHANGHAI).strftime("%Y-%m")


def last_months(n: int = 12, at: datetime | None = None) -> list[str]:
    local = clock.as_utc(at or clock.now()).astimezone(clock.SHANGHAI)
    year, month = local.year, local.month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))
