"""驾驶舱 (SPEC §6): the national dashboard and each university's own, as a catalogue of datasets.

Who sees what: national roles (moe_reviewer, operator, process_admin) the nation and any university;
a university's 经办人 (university_admin) only its own university (another university's id is a 404,
not a 403: it does not learn that the id exists); anyone else 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from app.core import clock, exports
from app.dashboard import comparison, complaints, pilots, scores, warnings
from app.dashboard.datasets import NATIONAL, Dataset, Scope
from app.errors import Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import Org, User


class Entry(NamedTuple):
    title: str
    builder: Callable[[Scope], Dataset]
    shown: str  # where it appears: national / university / both / compare


REGISTRY: dict[str, Entry] = {
    "pilots_by_province": Entry("试点高校省份分布", pilots.by_province, "national"),
    "pilots_by_batch": Entry("试点高校批次分布", pilots.by_batch, "national"),
    "pilots_by_status": Entry("试点状态", pilots.by_status, "national"),
    "application_pipeline": Entry("自主试点申报进度", pilots.pipeline, "national"),
    "review_times": Entry("申报审核用时", pilots.review_times, "national"),
    "post_activity": Entry("育人号活跃度", pilots.post_activity, "both"),
    "report_completeness": Entry("信息表完成情况", pilots.report_completeness, "both"),
    "score_radar": Entry("考核得分：各维度对比", scores.radar, "both"),
    "score_trend": Entry("考核得分趋势与预测", scores.trend, "both"),
    "complaint_departments": Entry("接诉即办三率", complaints.by_org, "both"),
    "complaint_channels": Entry("接诉即办：按渠道", complaints.by_channel, "both"),
    "warnings": Entry("预警", warnings.warnings, "both"),
    "comparison": Entry("脉络式比较：各维度得分", comparison.by_dimension, "compare"),
    "comparison_trend": Entry("脉络式比较：总分趋势", comparison.by_round, "compare"),
}


def keys_for(scope: Scope) -> list[str]:
    where = "national" if scope.national else "university"
    return [k for k, entry in REGISTRY.items() if entry.shown in (where, "both")]


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
    shown = entry.shown
    if shown == "compare" and not scope.sees_everyone:
        raise NotVisible("没有该数据集")
    if shown == "national" and not scope.national:
        raise NotVisible("该数据集只在全国驾驶舱提供")
    return entry.builder(scope)


def export(scope: Scope, key: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of a dataset's table."""
    if fmt not in exports.FORMATS:
        raise ValidationFailed("导出格式有误", {"format": ["格式须为 csv 或 xlsx"]})
    dataset = build(scope, key)
    content, mimetype = exports.render(fmt, dataset.columns, dataset.rows, sheet=dataset.title[:31])
    day = clock.now().astimezone(clock.SHANGHAI).date().isoformat()
    return content, mimetype, f"{dataset.title}-{scope.name}-{day}.{fmt}".replace("/", "-").replace("：", "-")
